from policies.checks._common import MlzCheck, as_list, failed, get, is_true


class SageMakerModelIsolated(MlzCheck):
    """Ensure SageMaker models run with network isolation inside our VPC.

    Rationale: model containers are third-party code; isolation stops them from calling out, and the
    VPC config keeps their traffic on private subnets and security groups we control.

    Remediation: use modules/endpoint.py / model_registry.py (enable_network_isolation and
    vpc_config with the platform subnets and workload security group are always set).
    """

    ID = "CKV_MLZ_14"
    RESOURCES = ("aws_sagemaker_model",)

    def problems(self, conf):
        vpc = get(conf, "vpc_config", {})
        return failed({
            "network isolation is off": is_true(get(conf, "enable_network_isolation")),
            "the model has no vpc_config with subnets and security groups":
                bool(as_list(get(vpc, "subnets")) and as_list(get(vpc, "security_group_ids"))),
        })


check = SageMakerModelIsolated()
