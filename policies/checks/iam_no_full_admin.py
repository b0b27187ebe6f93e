from policies.checks._common import MlzCheck, actions, allows, statement_problems

POLICY_KEYS = {
    "aws_iam_policy": ["policy"],
    "aws_iam_role_policy": ["policy"],
    "aws_iam_user_policy": ["policy"],
    "aws_iam_group_policy": ["policy"],
    "aws_iam_role": ["inline_policy.policy"],
}


class IamNoStarStar(MlzCheck):
    """Ensure no IAM policy allows every action (`*` or `*:*`).

    Rationale: a `*:*` grant is full administrator access; one leaked credential then owns the account.

    Remediation: list the actions the workload needs (modules/iam.py `policy_document`), scoped to
    the resources it uses.
    """

    ID = "CKV_MLZ_20"
    RESOURCES = tuple(POLICY_KEYS)

    def problems(self, conf):
        def judge(statement):
            if allows(statement) and {"*", "*:*"} & set(actions(statement)):
                return f"statement {statement.get('Sid', '(no Sid)')} allows every action"
            return None

        return statement_problems(conf, POLICY_KEYS[self.entity_type], judge)


check = IamNoStarStar()
