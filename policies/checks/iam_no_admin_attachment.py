from policies.checks._common import MlzCheck, as_list, get

ATTACHMENTS = {  # resource type -> the argument naming the attached policy
    "aws_iam_role_policy_attachment": "policy_arn",
    "aws_iam_user_policy_attachment": "policy_arn",
    "aws_iam_group_policy_attachment": "policy_arn",
    "aws_iam_policy_attachment": "policy_arn",
    "aws_ssoadmin_managed_policy_attachment": "managed_policy_arn",
}
ADMIN_POLICIES = ("AdministratorAccess", "IAMFullAccess", "PowerUserAccess")


def is_admin_arn(arn) -> bool:
    return str(arn).rsplit("/", 1)[-1] in ADMIN_POLICIES and ":aws:policy/" in str(arn)


class IamNoAdminAttachment(MlzCheck):
    """Ensure no IAM identity has an AWS administrator policy attached.

    Rationale: AdministratorAccess, IAMFullAccess and PowerUserAccess let the identity escalate to
    the whole account; attached by ARN they cannot be read offline, so they are refused by name.

    Remediation: never attach the AWS administrator policies to mlzone roles; grant the actions the
    workload needs on its own resources (modules/iam.py).
    """

    ID = "CKV_MLZ_50"
    RESOURCES = (*ATTACHMENTS, "aws_iam_role")

    def problems(self, conf):
        if self.entity_type in ATTACHMENTS:
            arns = [get(conf, ATTACHMENTS[self.entity_type])]
        else:
            arns = as_list(get(conf, "managed_policy_arns"))
        return [f"attaches {arn}" for arn in arns if is_admin_arn(arn)]


check = IamNoAdminAttachment()
