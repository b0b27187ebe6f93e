from policies.checks._common import MlzCheck, get, is_set


class SageMakerEndpointCaptureKms(MlzCheck):
    """Ensure SageMaker endpoint data capture encrypts what it writes with a KMS key.

    Rationale: captured requests and responses are personal data; the capture files must be
    encrypted with a customer key, whatever the bucket's default. (An endpoint without capture
    fails CKV_MLZ_46, not this check.)

    Remediation: use modules/endpoint.py (data_capture_config.kms_key_id is always set).
    """

    ID = "CKV_MLZ_49"
    RESOURCES = ("aws_sagemaker_endpoint_configuration",)

    def problems(self, conf):
        capture = get(conf, "data_capture_config", {})
        return [] if not capture or is_set(get(capture, "kms_key_id")) else ["captured data has no KMS key"]


check = SageMakerEndpointCaptureKms()
