import re

from policies.checks._common import TOKEN, MlzCheck, get

# The platform capture bucket is named <platform>-predictions-<region> (stacks/spec.py).
CAPTURE_URI = re.compile(r"^s3://[a-z0-9.-]+-predictions-[a-z0-9-]+(/|$)")


def capture_uri_ok(uri) -> bool:
    """Literal URIs must point at the capture bucket; references resolve only at apply."""
    uri = str(uri or "")
    return bool(CAPTURE_URI.match(uri) or TOKEN.search(uri) or (uri and not uri.startswith("s3://")))


class SageMakerEndpointCaptureBucket(MlzCheck):
    """Ensure SageMaker endpoint data capture goes to the platform capture bucket.

    Rationale: captured requests and responses are personal data; they must land in the governed,
    KMS-encrypted, expiring `<platform>-predictions-<region>` bucket, not in any bucket. (An
    endpoint without capture fails CKV_MLZ_46, not this check.)

    Remediation: use modules/endpoint.py (destination_s3_uri is always the platform capture bucket).
    """

    ID = "CKV_MLZ_48"
    RESOURCES = ("aws_sagemaker_endpoint_configuration",)

    def problems(self, conf):
        capture = get(conf, "data_capture_config", {})
        if not capture or capture_uri_ok(get(capture, "destination_s3_uri")):
            return []
        return ["data capture does not go to the platform capture bucket (<platform>-predictions-<region>)"]


check = SageMakerEndpointCaptureBucket()
