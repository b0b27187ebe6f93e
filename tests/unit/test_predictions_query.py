"""`mlzone predictions query` locally: endpoint captures and batch predictions in one schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import duckdb
import pytest
from moto import mock_aws

from mlzone import audit_record
from mlzone.predictions import query
from mlzone.predictions.sql import QueryError
from modules.scoring_job import batch_prefix
from tests.unit.test_trace import ENDPOINT, capture

REGION = "eu-west-1"
BUCKET, AUDIT = "acme-ml-predictions-eu-west-1", "acme-ml-audit-eu-west-1"
ARN = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud--detector/3"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def s3(tmp_path: Path):
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        for b in (BUCKET, AUDIT):
            client.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": REGION})
        old = NOW - timedelta(days=30)
        client.put_object(
            Bucket=BUCKET,
            Key=f"fraud/{ENDPOINT}/AllTraffic/{NOW:%Y/%m/%d/%H}/a.jsonl",
            Body="\n".join([capture("e1", NOW), capture("e2", NOW)]),
        )
        client.put_object(
            Bucket=BUCKET, Key=f"fraud/{ENDPOINT}/AllTraffic/{old:%Y/%m/%d/%H}/a.jsonl", Body=capture("e-old", old)
        )
        audit_record.put(
            client,
            AUDIT,
            f"deployments/fraud/{audit_record.stamp(old)}-abc.json",
            {"status": "succeeded", "endpoints": {ENDPOINT: ARN}},
        )
        parquet = tmp_path / "part-0.parquet"
        duckdb.sql(f"""COPY (SELECT 'b1' AS prediction_id, 'fraud' AS project, 'batch' AS source,
                       'nightly' AS source_name, 'detector' AS model, '3' AS model_version,
                       '{ARN}' AS model_package_arn, TIMESTAMPTZ '{NOW.isoformat()}' AS time,
                       '{json.dumps({"amount": 5})}' AS input, '0.1' AS output, NULL AS subject_key,
                       'run-1' AS run_or_deploy_id) TO '{parquet}' (FORMAT parquet)""")
        client.upload_file(str(parquet), BUCKET, batch_prefix("fraud", "nightly") + "date=x/hour=y/part-0.parquet")
        yield client


def test_both_sources_answer_one_query_in_one_schema(s3) -> None:
    since = NOW - timedelta(days=7)
    columns, rows = query.local(
        s3,
        BUCKET,
        AUDIT,
        "fraud",
        since,
        "SELECT source, source_name, model, model_version, model_package_arn, "
        "prediction_id FROM predictions ORDER BY prediction_id",
    )
    assert columns == ["source", "source_name", "model", "model_version", "model_package_arn", "prediction_id"]
    assert rows == [
        ("batch", "nightly", "detector", 3, ARN, "b1"),
        ("endpoint", ENDPOINT, "detector", 3, ARN, "e1"),
        ("endpoint", ENDPOINT, "detector", 3, ARN, "e2"),
    ], "the old capture is outside --since"


def test_a_capture_is_joined_to_the_deploy_in_force_at_its_time(s3) -> None:
    _, rows = query.local(
        s3,
        BUCKET,
        AUDIT,
        "fraud",
        NOW - timedelta(days=60),
        "SELECT prediction_id, model FROM predictions WHERE source = 'endpoint' ORDER BY time",
    )
    assert rows[0] == ("e-old", "detector"), "the deploy record of that same second is in force"


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM predictions",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT 1; DROP TABLE predictions",
        "SELECT * FROM duckdb_settings()",
    ],
)
def test_writes_and_reads_outside_the_log_are_refused(s3, statement: str) -> None:
    with pytest.raises(QueryError, match="fix:"):
        query.local(s3, BUCKET, AUDIT, "fraud", NOW, statement)
