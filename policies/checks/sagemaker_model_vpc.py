from policies.checks._common import MlzCheck, as_list, get


class SageMakerModelInVpc(MlzCheck):
    """Ensure SageMaker models run in our VPC (vpc_config with subnets and security groups).

    Rationale: the VPC config keeps the model's traffic (artifact and image pulls, capture writes)
    on private subnets and security groups we control.

    Remediation: use modules/endpoint.py / model_registry.py (vpc_config with the platform subnets
    and workload security group is always set).
    """

    ID = "CKV_MLZ_51"
    RESOURCES = ("aws_sagemaker_model",)

    def problems(self, conf):
        vpc = get(conf, "vpc_config", {})
        ok = bool(as_list(get(vpc, "subnets")) and as_list(get(vpc, "security_group_ids")))
        return [] if ok else ["the model has no vpc_config with subnets and security groups"]


check = SageMakerModelInVpc()
