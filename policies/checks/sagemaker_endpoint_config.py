import re

from modules.limits import CAPTURE_MIN_PERCENT
from policies.checks._common import TOKEN, MlzCheck, failed, get, is_set

# The platform capture bucket is named <platform>-predictions-<region> (stacks/spec.py).
CAPTURE_URI = re.compile(r"^s3://[a-z0-9.-]+-predictions-[a-z0-9-]+(/|$)")


def capture_uri_ok(uri) -> bool:
    """Literal URIs must point at the capture bucket; references resolve only at apply."""
    uri = str(uri or "")
    return bool(CAPTURE_URI.match(uri) or TOKEN.search(uri) or (uri and not uri.startswith("s3://")))


class SageMakerEndpointConfigEncryptedCaptured(MlzCheck):
    """Ensure SageMaker endpoint configurations use a KMS key and capture data to the capture bucket.

    Rationale: endpoint volumes hold the model and request data; captured requests and responses are
    the prediction log needed for audits and drift analysis, and must land in the governed,
    encrypted, expiring capture bucket.

    Remediation: use modules/endpoint.py (kms_key_arn and data_capture_config with the platform
    capture bucket are always set; `capture_percent` > 0).
    """

    ID = "CKV_MLZ_13"
    RESOURCES = ("aws_sagemaker_endpoint_configuration",)

    def problems(self, conf):
        capture = get(conf, "data_capture_config", {})
        return failed({
            "the endpoint configuration has no KMS key": is_set(get(conf, "kms_key_arn")),
            "data capture is not configured": bool(capture),
            "data capture is disabled": str(get(capture, "enable_capture", True)).lower() != "false",
            "data capture samples 0% of requests": (get(capture, "initial_sampling_percentage", 0) or 0) >= CAPTURE_MIN_PERCENT,
            "data capture does not go to the platform capture bucket (<platform>-predictions-<region>)":
                capture_uri_ok(get(capture, "destination_s3_uri")),
            "captured data has no KMS key": is_set(get(capture, "kms_key_id")),
        })


check = SageMakerEndpointConfigEncryptedCaptured()
