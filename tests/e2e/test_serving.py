"""Local serving end to end: a real sklearn MLflow model, tarred as the registry stores it, behind a model
package version, a model, an endpoint configuration with data capture and an endpoint, all created with
boto3 on a moto server (in this process) running mlzone's gap handlers; InvokeEndpoint answers the model's own
predictions
and writes SageMaker's capture record, SSE-KMS with the configured key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest

from mlzone.emulator import patch_moto
from tests.conftest import moto_server
from tests.e2e.served_version import serve, tarred

pytestmark = pytest.mark.e2e
REGION = "eu-west-1"
BUCKET = "acme-ml-fraud-detection--data-eu-west-1"
CAPTURE = "acme-ml-captures-eu-west-1"
ROWS = [[0.1, 1.0], [2.0, -1.0], [-3.0, 0.5]]


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, Any]]:
    patch_moto()
    with moto_server() as url:
        aws = {"endpoint_url": url, "region_name": REGION, "aws_access_key_id": "test", "aws_secret_access_key": "test"}
        buckets(aws)
        yield aws


def buckets(aws: dict[str, Any]) -> None:
    """The data bucket holding the artifact and the capture bucket."""
    for bucket in (BUCKET, CAPTURE):
        boto3.client("s3", **aws).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})


def model_tar(tmp: Path) -> tuple[bytes, Any]:
    """A small sklearn MLflow model, tarred with MLmodel at the root, and the model itself."""
    import mlflow.sklearn
    from sklearn.linear_model import LogisticRegression

    x = np.array([[0, 1], [1, 0], [2, -1], [-2, 1], [3, 0], [-1, 2]], dtype=float)
    model = LogisticRegression().fit(x, [0, 1, 1, 0, 1, 0])
    mlflow.sklearn.save_model(model, tmp / "model")
    return tarred(tmp / "model"), model


def endpoint(aws: dict[str, Any], tar: bytes, name: str, percent: int) -> str:
    """The artifact, an approved version served by endpoint `fraud-detection--<name>` capturing `percent`
    of its traffic SSE-KMS with a new key; the key's ARN."""
    s3, kms, sm = (boto3.client(s, **aws) for s in ("s3", "kms", "sagemaker"))
    key = kms.create_key()["KeyMetadata"]["Arn"]
    artifact = f"fraud-detection/models/{name}/1/model.tar.gz"
    s3.put_object(Bucket=BUCKET, Key=artifact, Body=tar)
    group = f"fraud-detection--{name}"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/serve:1"
    serve(
        sm,
        group,
        f"s3://{BUCKET}/{artifact}",
        group,
        f"s3://{CAPTURE}/fraud-detection/",
        image=image,
        percent=percent,
        kms_key=key,
    )
    return key


def test_invoke_runs_the_model_and_captures_in_sagemakers_format(aws: dict[str, Any], tmp_path: Path) -> None:
    tar, model = model_tar(tmp_path)
    key = endpoint(aws, tar, "scorer", 100)
    runtime, s3 = boto3.client("sagemaker-runtime", **aws), boto3.client("s3", **aws)
    body = json.dumps({"dataframe_split": {"columns": ["0", "1"], "data": ROWS}})
    reply = runtime.invoke_endpoint(
        EndpointName="fraud-detection--scorer", Body=body, ContentType="application/json", InferenceId="inf-42"
    )
    assert reply["InvokedProductionVariant"] == "AllTraffic" and reply["ContentType"] == "application/json"
    predictions = json.loads(reply["Body"].read())["predictions"]
    assert predictions == model.predict(np.array(ROWS)).tolist()
    objects = s3.list_objects_v2(Bucket=CAPTURE, Prefix="fraud-detection/fraud-detection--scorer/AllTraffic/")
    [entry] = objects["Contents"]
    assert entry["Key"].endswith(".jsonl") and len(entry["Key"].split("/")) == 8  # .../yyyy/mm/dd/hh/name
    head = s3.head_object(Bucket=CAPTURE, Key=entry["Key"])
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key
    [line] = s3.get_object(Bucket=CAPTURE, Key=entry["Key"])["Body"].read().decode().splitlines()
    record = json.loads(line)
    assert record["eventVersion"] == "0" and record["eventMetadata"]["inferenceId"] == "inf-42"
    assert record["captureData"]["endpointInput"] == {
        "observedContentType": "application/json",
        "mode": "INPUT",
        "data": body,
        "encoding": "JSON",
    }
    output = record["captureData"]["endpointOutput"]
    assert output["mode"] == "OUTPUT" and json.loads(output["data"])["predictions"] == predictions
    assert entry["Key"].split("/")[-1].endswith(f"{record['eventMetadata']['eventId']}.jsonl")


def test_zero_sampling_writes_no_capture_and_bad_input_is_a_model_error(aws: dict[str, Any], tmp_path: Path) -> None:
    tar, model = model_tar(tmp_path)
    endpoint(aws, tar, "quiet", 0)
    runtime, s3 = boto3.client("sagemaker-runtime", **aws), boto3.client("s3", **aws)
    reply = runtime.invoke_endpoint(
        EndpointName="fraud-detection--quiet", ContentType="application/json", Body=json.dumps({"inputs": ROWS})
    )
    assert json.loads(reply["Body"].read())["predictions"] == model.predict(np.array(ROWS)).tolist()
    assert "Contents" not in s3.list_objects_v2(Bucket=CAPTURE, Prefix="fraud-detection/fraud-detection--quiet/")
    with pytest.raises(runtime.exceptions.ModelError, match="not JSON"):
        runtime.invoke_endpoint(EndpointName="fraud-detection--quiet", ContentType="application/json", Body="{no")
    with pytest.raises(runtime.exceptions.ValidationError):
        runtime.invoke_endpoint(EndpointName="fraud-detection--missing", Body="{}")
