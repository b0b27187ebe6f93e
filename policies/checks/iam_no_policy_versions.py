from policies.checks._policy import IDENTITY, PolicyCheck, grants, sid

ACTIONS = ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion")


class IamNoPolicyVersionChanges(PolicyCheck):
    """Ensure no policy allows iam:CreatePolicyVersion or iam:SetDefaultPolicyVersion.

    Rationale: with either action an identity rewrites a managed policy (its own boundary, or a
    policy attached to it) and makes any version the default: it grants itself anything. No mlzone
    workload edits IAM policies; Terraform does, with its own role. Patterns (`iam:*`) count.

    Remediation: remove the actions; change policies through the zone's specs and Terraform.
    """

    ID = "CKV_MLZ_32"
    KINDS = (IDENTITY,)

    def judge(self, statement, document):
        found = grants(statement, ACTIONS)
        return f"statement {sid(statement)} allows {', '.join(found)}" if found else None


check = IamNoPolicyVersionChanges()
