from modules.limits import CAPTURE_MIN_PERCENT
from policies.checks._common import MlzCheck, get


class SageMakerEndpointCaptureSampling(MlzCheck):
    """Ensure SageMaker endpoint data capture samples at least the minimum share of requests.

    Rationale: a capture sampling 0 % records nothing while looking configured. (An endpoint without
    capture fails CKV_MLZ_46, not this check.)

    Remediation: set the project's `capture_percent` to at least CAPTURE_MIN_PERCENT
    (modules/limits.py); modules/endpoint.py writes it as initial_sampling_percentage.
    """

    ID = "CKV_MLZ_47"
    RESOURCES = ("aws_sagemaker_endpoint_configuration",)

    def problems(self, conf):
        capture = get(conf, "data_capture_config", {})
        if not capture:
            return []
        percent = get(capture, "initial_sampling_percentage", 0) or 0
        return [] if percent >= CAPTURE_MIN_PERCENT else [f"data capture samples {percent}% of requests"]


check = SageMakerEndpointCaptureSampling()
