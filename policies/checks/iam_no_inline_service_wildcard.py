from policies.checks._common import MlzCheck, actions, allows, as_list, statement_problems

INLINE_KEYS = {
    "aws_iam_role_policy": ["policy"],
    "aws_iam_user_policy": ["policy"],
    "aws_iam_group_policy": ["policy"],
    "aws_iam_role": ["inline_policy.policy"],
}


def judge(statement):
    wildcards = [a for a in actions(statement) if a.endswith(":*")]
    if allows(statement) and wildcards and "*" in [str(r) for r in as_list(statement.get("Resource"))]:
        return f"inline statement {statement.get('Sid', '(no Sid)')} allows {', '.join(wildcards)} on *"
    return None


class IamNoInlineServiceWildcard(MlzCheck):
    """Ensure no inline IAM policy allows a whole service (`<service>:*`) on `*`.

    Rationale: inline grants hide in one resource and escape policy review; a service-wide wildcard
    on every resource (`iam:*` above all) lets the identity escalate to the whole account.

    Remediation: grant the listed actions the workload needs on its own resources (modules/iam.py).
    """

    ID = "CKV_MLZ_21"
    RESOURCES = tuple(INLINE_KEYS)

    def problems(self, conf):
        return statement_problems(conf, INLINE_KEYS[self.entity_type], judge)


check = IamNoInlineServiceWildcard()
