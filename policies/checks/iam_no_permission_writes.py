from policies.checks._policy import IDENTITY, PolicyCheck, grants, sid, wide_resources

# IAM actions that give an identity (or one it controls) new permissions or credentials.
ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreateRole",
    "iam:CreateUser",
    "iam:AddUserToGroup",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
)


class IamNoPermissionWritesOnWildcard(PolicyCheck):
    """Ensure no policy allows IAM permission-changing actions on `*` (or on every role/user/group).

    Rationale: AttachRolePolicy, PutRolePolicy, the boundary and trust-policy updates, new access
    keys or login profiles on any principal let the identity grant itself (or a principal it
    controls) administrator rights. Patterns (`iam:*`, `iam:Put*`, `iam:Attach*`) count.

    Remediation: remove the actions from workload roles; IAM changes go through Terraform.
    """

    ID = "CKV_MLZ_33"
    KINDS = (IDENTITY,)

    def judge(self, statement, document):
        wide = wide_resources(statement)
        found = grants(statement, ACTIONS) if wide else []
        return f"statement {sid(statement)} allows {', '.join(found)} on {', '.join(wide)}" if found else None


check = IamNoPermissionWritesOnWildcard()
