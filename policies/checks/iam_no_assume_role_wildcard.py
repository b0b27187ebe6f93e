from policies.checks._policy import IDENTITY, PolicyCheck, grants, sid, wide_resources

ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")


class IamNoAssumeRoleOnWildcard(PolicyCheck):
    """Ensure no identity policy allows sts:AssumeRole on `*` (or on every role).

    Rationale: AssumeRole on every role lets the identity become any role whose trust policy
    trusts the account (the account root in many trust policies), crossing project and platform
    boundaries. Patterns (`sts:*`, `sts:Assume*`) count. Trust policies are not judged here: their
    `sts:AssumeRole` names what others may do on the role (CKV_MLZ_22, CKV_MLZ_38).

    Remediation: name the exact role ARNs the workload assumes.
    """

    ID = "CKV_MLZ_34"
    KINDS = (IDENTITY,)

    def judge(self, statement, document):
        wide = wide_resources(statement)
        found = grants(statement, ACTIONS) if wide else []
        return f"statement {sid(statement)} allows {', '.join(found)} on {', '.join(wide)}" if found else None


check = IamNoAssumeRoleOnWildcard()
