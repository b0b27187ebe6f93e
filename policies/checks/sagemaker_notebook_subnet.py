from policies.checks._common import MlzCheck, get, is_set


class SageMakerNotebookInSubnet(MlzCheck):
    """Ensure SageMaker notebooks run in a VPC subnet.

    Rationale: a notebook outside a subnet runs in the SageMaker service network, where none of the
    zone's VPC controls (security groups, endpoints, flow logs) apply.

    Remediation: use modules/notebook.py (subnet_id and security groups are always set).
    """

    ID = "CKV_MLZ_12"
    RESOURCES = ("aws_sagemaker_notebook_instance",)

    def problems(self, conf):
        return [] if is_set(get(conf, "subnet_id")) else ["the notebook is not in a subnet"]


check = SageMakerNotebookInSubnet()
