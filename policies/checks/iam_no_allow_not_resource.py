from policies.checks._common import allows
from policies.checks._policy import IDENTITY, KEY, RESOURCE, TRUST, PolicyCheck, sid


class IamNoAllowNotResource(PolicyCheck):
    """Ensure no policy statement combines Effect Allow with NotResource.

    Rationale: `Allow` + `NotResource` grants the actions on every resource except the listed ones,
    including other projects' data and resources created later.

    Remediation: list the resources; use `Deny` + `NotResource` only for guard rails.
    """

    ID = "CKV_MLZ_37"
    KINDS = (IDENTITY, RESOURCE, TRUST, KEY)

    def judge(self, statement, document):
        return (
            f"statement {sid(statement)} allows NotResource"
            if allows(statement) and "NotResource" in statement
            else None
        )


check = IamNoAllowNotResource()
