from policies.checks._common import MlzCheck
from policies.checks._policy import POLICY_TYPES, parse


class PolicyParseable(MlzCheck):
    """Ensure every policy document can be read, so the IAM-content checks really judge it.

    Rationale: the policy checks judge statements; a policy the gate cannot read (a Terraform
    expression such as `${jsonencode(...)}` or `${file(...)}`, malformed JSON, a document without
    `Statement`) would otherwise pass every one of them unseen. The gate fails closed instead.
    References judged elsewhere are fine: `${data.aws_iam_policy_document.<name>.json}` (the data
    source is checked itself) and, on plan JSON, values unknown until apply (gate 1 judged them).

    Remediation: write policies as JSON documents (modules/iam.py `policy_document`) or as a
    `data.aws_iam_policy_document`.
    """

    ID = "CKV_MLZ_30"
    RESOURCES = POLICY_TYPES

    def problems(self, conf):
        return parse(self.entity_type, conf).unreadable


check = PolicyParseable()
