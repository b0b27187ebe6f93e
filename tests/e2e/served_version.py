"""An approved model package version served by an endpoint with data capture, created with boto3 on a moto
server (as the project stack would create it): the setup the serving and erasure tests share."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

ROLE = "arn:aws:iam::123456789012:role/x"


def tarred(model_dir: Path) -> bytes:
    """A saved MLflow model folder as the registry stores it: `model.tar.gz` with MLmodel at the root."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in model_dir.iterdir():
            tar.add(path, arcname=path.name)
    return buffer.getvalue()


def serve(
    sm: Any,
    group: str,
    artifact_uri: str,
    endpoint: str,
    capture_uri: str,
    *,
    image: str = "serve:1",
    percent: int = 100,
    kms_key: str | None = None,
    tags: dict[str, str] | None = None,
) -> str:
    """Package group, an Approved version of `artifact_uri`, model, configuration capturing `percent` of the
    traffic to `capture_uri` (SSE-KMS with `kms_key` if given), and `endpoint`; the version's ARN."""
    sm.create_model_package_group(ModelPackageGroupName=group)
    version = sm.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus="Approved",
        InferenceSpecification={
            "Containers": [{"Image": image, "ModelDataUrl": artifact_uri}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]
    sm.create_model(ModelName=group, ExecutionRoleArn=ROLE, PrimaryContainer={"ModelPackageName": version})
    sm.create_endpoint_config(
        EndpointConfigName=f"{endpoint}-c",
        ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": group, "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
        ],
        DataCaptureConfig={
            "EnableCapture": True,
            "InitialSamplingPercentage": percent,
            "DestinationS3Uri": capture_uri,
            **({"KmsKeyId": kms_key} if kms_key else {}),
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
            "CaptureContentTypeHeader": {"JsonContentTypes": ["application/json"]},
        },
    )
    sm.create_endpoint(
        EndpointName=endpoint,
        EndpointConfigName=f"{endpoint}-c",
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    )
    return version
