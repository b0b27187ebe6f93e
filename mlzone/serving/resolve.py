"""What an endpoint serves, read from the emulator's (moto's) SageMaker backend the way SageMaker reads
it: endpoint → endpoint configuration → its first production variant's model → the model's primary
container → the model package version it names (`ModelPackageName`) → that version's
`InferenceSpecification.Containers[0].ModelDataUrl`. A container with a plain `ModelDataUrl` and no
package is served too (keyed by the model's ARN)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlzone.serving.capture import CaptureConfig
from mlzone.serving.errors import ValidationError
from modules.subject_keys import FIELD_TAG, SECRET_TAG


@dataclass(frozen=True)
class Target:
    """The model behind an endpoint right now."""

    endpoint: str
    variant: str
    version: str  # the model package version ARN (or the model's ARN for a plain artifact)
    artifact: str  # s3://bucket/key of model.tar.gz
    capture: CaptureConfig | None
    subject_field: str | None = None  # the request field naming the data subject (the endpoint's tag)
    subject_key_secret: str | None = None  # the secret holding the subject-key HMAC key


def target(sagemaker: Any, endpoint_name: str) -> Target:
    """The endpoint's current target; ValidationError naming the missing link."""
    endpoint = sagemaker.endpoints.get(endpoint_name)
    if endpoint is None:
        raise ValidationError(f"Endpoint {endpoint_name} of account {sagemaker.account_id} not found.")
    if endpoint.endpoint_status != "InService":
        raise ValidationError(f"Endpoint {endpoint_name} is {endpoint.endpoint_status}, not InService.")
    config = sagemaker.endpoint_configs.get(endpoint.endpoint_config_name)
    if config is None or not config.production_variants:
        raise ValidationError(f"Endpoint {endpoint_name}: configuration {endpoint.endpoint_config_name} not found.")
    variant = config.production_variants[0]
    model = sagemaker._models.get(variant.get("ModelName"))  # moto's model store
    if model is None:
        raise ValidationError(f"Endpoint {endpoint_name}: model {variant.get('ModelName')} not found.")
    container = model.primary_container or (model.containers[0] if model.containers else {})
    version, artifact = _artifact(sagemaker, model.arn, container, endpoint_name)
    tags = {t["Key"]: t["Value"] for t in getattr(endpoint, "tags", None) or []}
    return Target(
        endpoint=endpoint_name,
        variant=variant.get("VariantName", "AllTraffic"),
        version=version,
        artifact=artifact,
        capture=CaptureConfig.of(config.data_capture_config),
        subject_field=tags.get(FIELD_TAG),
        subject_key_secret=tags.get(SECRET_TAG),
    )


def _artifact(sagemaker: Any, model_arn: str, container: dict[str, Any], endpoint_name: str) -> tuple[str, str]:
    package_name = container.get("ModelPackageName")
    if not package_name:
        if container.get("ModelDataUrl"):
            return model_arn, container["ModelDataUrl"]
        raise ValidationError(f"Endpoint {endpoint_name}: its model names neither a model package nor an artifact.")
    try:
        package = sagemaker.describe_model_package(package_name)
    except Exception:  # noqa: BLE001 - moto raises its own ValidationError type
        raise ValidationError(f"Endpoint {endpoint_name}: model package {package_name} not found.") from None
    containers = (package.inference_specification or {}).get("Containers") or []
    if not containers or not containers[0].get("ModelDataUrl"):
        raise ValidationError(f"Endpoint {endpoint_name}: model package {package_name} has no ModelDataUrl.")
    return package.arn, containers[0]["ModelDataUrl"]


def split_s3(uri: str) -> tuple[str, str]:
    """s3://bucket/key → (bucket, key)."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key
