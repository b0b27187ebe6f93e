from policies.checks._common import allows
from policies.checks._policy import IDENTITY, KEY, RESOURCE, TRUST, PolicyCheck, sid


class IamNoAllowNotAction(PolicyCheck):
    """Ensure no policy statement combines Effect Allow with NotAction.

    Rationale: `Allow` + `NotAction` grants every action except the listed ones, including every
    action AWS adds later; one such statement quietly grants IAM and data access.

    Remediation: list the allowed actions; use `Deny` + `NotAction` only for guard rails.
    """

    ID = "CKV_MLZ_36"
    KINDS = (IDENTITY, RESOURCE, TRUST, KEY)

    def judge(self, statement, document):
        return (
            f"statement {sid(statement)} allows NotAction" if allows(statement) and "NotAction" in statement else None
        )


check = IamNoAllowNotAction()
