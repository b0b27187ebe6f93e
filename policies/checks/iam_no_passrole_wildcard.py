from policies.checks._policy import IDENTITY, PolicyCheck, grants, sid, wide_resources


class IamNoPassRoleOnWildcard(PolicyCheck):
    """Ensure no policy allows iam:PassRole on `*` (or on every role).

    Rationale: PassRole on every role lets the identity hand any role, including administrator
    roles, to a service it controls (a notebook, an EMR cluster, a job) and act with that role's
    rights: the most common IAM privilege escalation. Patterns (`iam:*`, `iam:Pass*`) count.

    Remediation: pass only the project's own roles (`role/mlzone/<project>/...` or the exact role
    ARN, modules/iam.py pass-role grants) with an `iam:PassedToService` condition.
    """

    ID = "CKV_MLZ_31"
    KINDS = (IDENTITY,)

    def judge(self, statement, document):
        wide = wide_resources(statement)
        if grants(statement, ("iam:PassRole",)) and wide:
            return f"statement {sid(statement)} allows iam:PassRole on {', '.join(wide)}"
        return None


check = IamNoPassRoleOnWildcard()
