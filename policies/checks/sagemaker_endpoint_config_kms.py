from policies.checks._common import MlzCheck, get, is_set


class SageMakerEndpointConfigKms(MlzCheck):
    """Ensure SageMaker endpoint configurations encrypt their volumes with a KMS key.

    Rationale: endpoint volumes hold the model and request data; without a customer key their
    encryption cannot be audited or revoked per project.

    Remediation: use modules/endpoint.py (kms_key_arn is always the project key).
    """

    ID = "CKV_MLZ_13"
    RESOURCES = ("aws_sagemaker_endpoint_configuration",)

    def problems(self, conf):
        return [] if is_set(get(conf, "kms_key_arn")) else ["the endpoint configuration has no KMS key"]


check = SageMakerEndpointConfigKms()
