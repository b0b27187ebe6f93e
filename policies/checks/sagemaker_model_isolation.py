from policies.checks._common import MlzCheck, get, is_true


class SageMakerModelIsolated(MlzCheck):
    """Ensure SageMaker models run with network isolation.

    Rationale: model containers are third-party code; network isolation stops them from calling out
    (and from reaching anything but their own model artifacts).

    Remediation: use modules/endpoint.py / model_registry.py (enable_network_isolation is always
    true).
    """

    ID = "CKV_MLZ_14"
    RESOURCES = ("aws_sagemaker_model",)

    def problems(self, conf):
        return [] if is_true(get(conf, "enable_network_isolation")) else ["network isolation is off"]


check = SageMakerModelIsolated()
