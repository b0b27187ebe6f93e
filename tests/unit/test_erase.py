"""Erasure of one data subject: gone from every object version, everyone else intact, a locked receipt."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import duckdb
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from mlzone import audit_record
from mlzone.predictions import subjects
from mlzone.predictions.erase import erase
from modules import subject_keys

REGION = "eu-west-1"
BUCKET, AUDIT = "acme-ml-predictions-eu-west-1", "acme-ml-audit-eu-west-1"
KEY = b"k" * 32
CAPTURE = "fraud/fraud--scoring/AllTraffic/2026/12/02/10/a.jsonl"
BATCH = "fraud/batch/nightly/date=2026-12-02/hour=10/part-0.parquet"


def line(event: str, customer: str) -> str:
    body = json.dumps({"inputs": [{"customer_id": customer, "amount": 12.5}]})
    return json.dumps(
        {
            "captureData": {"endpointInput": {"data": body}, "endpointOutput": {"data": "[0.2]"}},
            "eventMetadata": {"eventId": event, "inferenceTime": "2026-12-02T10:00:00Z"},
            "eventVersion": "0",
        }
    )


@pytest.fixture
def s3(tmp_path: Path):
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        client.create_bucket(
            Bucket=AUDIT, CreateBucketConfiguration={"LocationConstraint": REGION}, ObjectLockEnabledForBucket=True
        )
        client.put_object_lock_configuration(
            Bucket=AUDIT,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
            },
        )
        client.put_object(Bucket=BUCKET, Key=CAPTURE, Body=line("e0", "alice-0001"))  # an older version
        client.put_object(
            Bucket=BUCKET,
            Key=CAPTURE,
            Body="\n".join([line("e0", "alice-0001"), line("e1", "bob-0002"), line("e2", "alice-0001")]),
        )
        parquet = tmp_path / "p.parquet"
        a, b = (subject_keys.subject_key(KEY, s) for s in ("alice-0001", "bob-0002"))
        duckdb.sql(
            f"COPY (SELECT * FROM (VALUES ('b1', '{a}', 'alice-0001 payload'), ('b2', '{b}', 'x')) "
            f"t(prediction_id, subject_key, input)) TO '{parquet}' (FORMAT parquet)"
        )
        client.upload_file(str(parquet), BUCKET, BATCH)
        for s, keys in ((a, [CAPTURE, BATCH]), (b, [CAPTURE, BATCH])):
            for k in keys:
                subjects.index(client, BUCKET, {s}, k)
        yield client


def every_version_text(s3) -> str:
    """The bytes of every version of every object outside the index, as text."""
    text = []
    for v in s3.list_object_versions(Bucket=BUCKET).get("Versions", []):
        if not subject_keys.is_index(v["Key"]):
            text.append(
                s3.get_object(Bucket=BUCKET, Key=v["Key"], VersionId=v["VersionId"])["Body"].read().decode("latin-1")
            )
    return "\n".join(text)


def test_the_subject_is_gone_from_every_version_and_others_are_intact(s3) -> None:
    assert "alice-0001" in every_version_text(s3)
    receipt = erase(
        s3, BUCKET, AUDIT, KEY, "alice-0001", lambda key: "customer_id", "arn:aws:iam::1:role/dpo", ["fraud"]
    )
    text = every_version_text(s3)
    assert "alice-0001" not in text, "no version of any object holds the raw id or its payload"
    assert "bob-0002" in text and "b2" in text
    assert receipt.records_removed == 3 and sorted(receipt.prediction_ids) == ["b1", "e0", "e2"]
    key = receipt.record_uri.split("/", 3)[3]
    stored = audit_record.get(s3, AUDIT, key)
    assert stored["subject_key"] == subject_keys.subject_key(KEY, "alice-0001")
    assert "alice-0001" not in json.dumps(stored), "the receipt never holds the raw id"
    head = s3.head_object(Bucket=AUDIT, Key=key)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=AUDIT, Key=key, VersionId=head["VersionId"])  # the receipt cannot be deleted
    assert list(subjects.objects_of(s3, BUCKET, stored["subject_key"], ["fraud"])) == []


def test_a_dry_run_changes_nothing_and_an_unknown_subject_reports_zero(s3) -> None:
    before = every_version_text(s3)
    dry = erase(s3, BUCKET, AUDIT, KEY, "alice-0001", lambda key: "customer_id", "op", ["fraud"], dry_run=True)
    assert dry.records_removed == 3 and every_version_text(s3) == before and not dry.record_uri
    none = erase(s3, BUCKET, AUDIT, KEY, "nobody", lambda key: "customer_id", "op", ["fraud"])
    assert none.records_removed == 0 and not none.record_uri


def test_a_rerun_after_erasure_finds_nothing_left(s3) -> None:
    erase(s3, BUCKET, AUDIT, KEY, "alice-0001", lambda key: "customer_id", "op", ["fraud"])
    again = erase(s3, BUCKET, AUDIT, KEY, "alice-0001", lambda key: "customer_id", "op", ["fraud"])
    assert again.records_removed == 0


def test_subject_keys_are_keyed_not_plain_hashes() -> None:
    assert subject_keys.subject_key(KEY, "alice") != subject_keys.subject_key(b"other" * 8, "alice")


def test_trace_of_an_erased_prediction_names_the_receipt(s3) -> None:
    from mlzone.trace import Sources, trace

    receipt = erase(s3, BUCKET, AUDIT, KEY, "alice-0001", lambda key: "customer_id", "op", ["fraud"])
    src = Sources(
        s3=s3,
        sagemaker=None,
        capture_bucket=BUCKET,
        audit_bucket=AUDIT,
        endpoints=[("fraud", "fraud--scoring")],
        batch_jobs=[],
        mlflow_run=lambda p, r: {},
    )
    [link] = trace(src, "e2", datetime(2026, 12, 2, 10, tzinfo=UTC))
    assert link.missing == f"erased (GDPR) by receipt {receipt.record_uri}"


def test_project_scope_leaves_other_projects_alone(s3) -> None:
    receipt = erase(s3, BUCKET, AUDIT, KEY, "alice-0001", lambda key: "customer_id", "op", ["churn"])
    assert receipt.records_removed == 0 and "alice-0001" in every_version_text(s3)
