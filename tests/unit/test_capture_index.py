"""Captures SageMaker wrote (indexing nothing) are indexed by subject before erasure, each file about once."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from mlzone.cli import app
from mlzone.predictions import subjects
from mlzone.predictions.capture_index import catch_up, mark_key, resume_after
from modules.subject_keys import secret_name, subject_key
from tests.conftest import ROOT

pytestmark = pytest.mark.unit

REGION, BUCKET, AUDIT = "eu-west-1", "acme-ml-predictions-eu-west-1", "acme-ml-audit-eu-west-1"
KEY = b"k" * 32
ENDPOINT = "fraud-detection--scorer"
FIELDS = {("fraud-detection", ENDPOINT): "customer_id", ("churn", "churn--scorer"): None}


def capture(hour: str, name: str) -> str:
    return f"fraud-detection/{ENDPOINT}/AllTraffic/2026/12/03/{hour}/{name}.jsonl"


def record(customer: str, encoding: str = "JSON") -> str:
    body = json.dumps({"inputs": [{"customer_id": customer, "amount": 12.5}]})
    request = {"observedContentType": "application/json", "mode": "INPUT", "data": body, "encoding": encoding}
    return json.dumps(
        {
            "captureData": {"endpointInput": request, "endpointOutput": {"data": "[0.2]", "encoding": "JSON"}},
            "eventMetadata": {"eventId": f"e-{customer}", "inferenceTime": "2026-12-03T10:00:00Z"},
            "eventVersion": "0",
        }
    )


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        for bucket in (BUCKET, AUDIT):
            client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


def put(s3, key: str, *lines: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body="\n".join(lines).encode())


def indexed(s3, customer: str) -> list[str]:
    return sorted(key for _, key in subjects.objects_of(s3, BUCKET, subject_key(KEY, customer), ["fraud-detection"]))


def test_each_json_request_is_indexed_under_its_subjects_and_the_mark_is_the_last_file(s3) -> None:
    put(s3, capture("08", "a"), record("alice-1"), record("bob-2"))
    put(s3, capture("09", "b"), record("alice-1"))
    put(s3, capture("09", "c"), record("carol-3", encoding="BASE64"))  # not JSON text: names no one
    put(s3, "churn/churn--scorer/AllTraffic/2026/12/03/09/d.jsonl", record("alice-1"))  # no subject field
    assert catch_up(s3, BUCKET, KEY, FIELDS) == 3
    assert indexed(s3, "alice-1") == [capture("08", "a"), capture("09", "b")]
    assert indexed(s3, "bob-2") == [capture("08", "a")] and indexed(s3, "carol-3") == []
    mark = json.loads(s3.get_object(Bucket=BUCKET, Key=mark_key("fraud-detection", ENDPOINT))["Body"].read())
    assert mark == {"last": capture("09", "c")}


def test_a_second_catch_up_reads_from_the_hour_before_the_mark_and_finds_a_late_file(s3) -> None:
    for hour in ("06", "07", "11"):
        put(s3, capture(hour, "a"), record("bob-2"))
    assert catch_up(s3, BUCKET, KEY, FIELDS) == 3
    put(s3, capture("10", "late"), record("alice-1"))  # landed after hour 11's file
    put(s3, capture("12", "new"), record("alice-1"))
    assert catch_up(s3, BUCKET, KEY, FIELDS) == 3, "hours 10, 11 and 12 only; 06 and 07 are not read again"
    assert indexed(s3, "alice-1") == [capture("10", "late"), capture("12", "new")]
    assert catch_up(s3, BUCKET, KEY, FIELDS) == 2, "nothing new: the hour before the mark's, and the mark's"


def test_the_listing_resumes_before_the_hour_preceding_the_marks() -> None:
    assert resume_after(capture("00", "x")) == f"fraud-detection/{ENDPOINT}/AllTraffic/2026/12/02/23/"


def test_mlzone_erase_on_aws_indexes_what_sagemaker_captured_then_erases_it(s3, tmp_path: Path) -> None:
    root = tmp_path / "zone"
    (root / "projects").mkdir(parents=True)
    (root / "platform.yaml").write_text((ROOT / "platform.yaml").read_text())
    spec = (ROOT / "projects" / "fraud-detection.yaml").read_text()
    assert "subject_field: customer_id" in spec
    (root / "projects" / "fraud-detection.yaml").write_text(spec)
    secrets = boto3.client("secretsmanager", region_name=REGION)
    secrets.create_secret(Name=secret_name("acme-ml"), SecretBinary=KEY)
    put(s3, capture("09", "a"), record("alice-1"), record("bob-2"))
    args = ["erase", "--subject", "alice-1", "--root", str(root), "--target", "aws"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "subject index: 1 capture files read" in result.output
    assert "removed 1 records from 1 objects" in result.output
    body = s3.get_object(Bucket=BUCKET, Key=capture("09", "a"))["Body"].read().decode()
    assert "alice-1" not in body and "bob-2" in body
