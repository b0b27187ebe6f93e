"""The training data a model version was registered with, read through its lineage data pointers."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from mlzone.trace import lineage


def training_frame(s3: Any, sagemaker: Any, package_arn: str) -> tuple[str, pd.DataFrame | None]:
    """(the pointer, its data) for the version's first data pointer; (why not, None) when there is none."""
    try:
        package = sagemaker.describe_model_package(ModelPackageName=package_arn)
    except sagemaker.exceptions.ClientError as e:
        return f"{package_arn}: {e.response['Error']['Message']}", None
    pointers = lineage(package).get("data") or []
    if not pointers:
        return "the version records no data pointer", None
    pointer = pointers[0]
    bucket, key = pointer["uri"].removeprefix("s3://").split("/", 1)
    extra = {"VersionId": pointer["version_id"]} if pointer.get("version_id") else {}
    body = s3.get_object(Bucket=bucket, Key=key, **extra)["Body"].read()
    frame = pd.read_parquet(io.BytesIO(body)) if key.endswith(".parquet") else pd.read_csv(io.BytesIO(body))
    return f"{pointer['uri']} (version {pointer.get('version_id', 'latest')})", frame
