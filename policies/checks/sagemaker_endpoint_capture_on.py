from policies.checks._common import MlzCheck, get


class SageMakerEndpointCaptureOn(MlzCheck):
    """Ensure SageMaker endpoint configurations capture data (a data_capture_config, enabled).

    Rationale: captured requests and responses are the prediction log needed for audits and drift
    analysis; an endpoint without capture answers with no record of what it decided. A missing
    block and `enable_capture = false` are the same condition: capture is off.

    Remediation: use modules/endpoint.py (data_capture_config is always set and enabled).
    """

    ID = "CKV_MLZ_46"
    RESOURCES = ("aws_sagemaker_endpoint_configuration",)

    def problems(self, conf):
        capture = get(conf, "data_capture_config", {})
        if not capture:
            return ["data capture is not configured"]
        return [] if str(get(capture, "enable_capture", True)).lower() != "false" else ["data capture is disabled"]


check = SageMakerEndpointCaptureOn()
