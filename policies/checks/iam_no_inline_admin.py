from policies.checks._common import UNKNOWN, MlzCheck, actions, allows, as_list, get, statement_problems

INLINE_KEYS = {
    "aws_iam_role_policy": ["policy"],
    "aws_iam_user_policy": ["policy"],
    "aws_iam_group_policy": ["policy"],
    "aws_iam_role": ["inline_policy.policy"],
}
ATTACHMENTS = ("aws_iam_role_policy_attachment", "aws_iam_user_policy_attachment",
               "aws_iam_group_policy_attachment", "aws_iam_policy_attachment")
ADMIN_POLICIES = ("AdministratorAccess", "IAMFullAccess", "PowerUserAccess")


def is_admin_arn(arn) -> bool:
    return str(arn).rsplit("/", 1)[-1] in ADMIN_POLICIES and ":aws:policy/" in str(arn)


class IamNoInlineAdmin(MlzCheck):
    """Ensure no IAM identity gets administrator rights, inline (`<service>:*` on `*`) or attached.

    Rationale: inline grants hide in one resource and escape policy review; a service-wide wildcard
    on every resource (`iam:*` above all) or an attached AdministratorAccess/IAMFullAccess/
    PowerUserAccess lets the identity escalate to the whole account.

    Remediation: grant the listed actions the workload needs on its own resources; never attach
    the AWS administrator policies to mlzone roles.
    """

    ID = "CKV_MLZ_21"
    RESOURCES = (*INLINE_KEYS, *ATTACHMENTS)

    def problems(self, conf):
        if self.entity_type in ATTACHMENTS:
            arn = get(conf, "policy_arn")
            return [f"attaches {arn}"] if is_admin_arn(arn) else []
        found = [f"attaches {arn}" for arn in as_list(get(conf, "managed_policy_arns")) if is_admin_arn(arn)]

        def judge(statement):
            wildcards = [a for a in actions(statement) if a.endswith(":*")]
            if allows(statement) and wildcards and "*" in [str(r) for r in as_list(statement.get("Resource"))]:
                return f"inline statement {statement.get('Sid', '(no Sid)')} allows {', '.join(wildcards)} on *"
            return None

        inline = statement_problems(conf, INLINE_KEYS[self.entity_type], judge)
        if inline is UNKNOWN:
            return found or UNKNOWN
        return found + inline


check = IamNoInlineAdmin()
