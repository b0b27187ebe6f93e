"""Audit records: written once under a record prefix, locked by the bucket's default retention."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from mlzone import audit_record

BUCKET = "acme-ml-audit-eu-west-1"


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-1")
        client.create_bucket(
            Bucket=BUCKET,
            CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
            ObjectLockEnabledForBucket=True,
        )
        client.put_object_lock_configuration(
            Bucket=BUCKET,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
            },
        )
        yield client


def test_a_record_is_written_locked_and_read_back(s3) -> None:
    uri = audit_record.put(s3, BUCKET, "approvals/fraud/v1.json", {"reason": "AUC above the agreed bar"})
    assert uri == f"s3://{BUCKET}/approvals/fraud/v1.json"
    assert s3.head_object(Bucket=BUCKET, Key="approvals/fraud/v1.json")["ObjectLockMode"] == "COMPLIANCE"
    assert audit_record.get(s3, BUCKET, "approvals/fraud/v1.json") == {"reason": "AUC above the agreed bar"}
    assert list(audit_record.keys(s3, BUCKET, "approvals/")) == ["approvals/fraud/v1.json"]


def test_a_record_is_never_overwritten(s3) -> None:
    audit_record.put(s3, BUCKET, "deployments/p/1.json", {"n": 1})
    with pytest.raises(audit_record.RecordError, match="already exists"):
        audit_record.put(s3, BUCKET, "deployments/p/1.json", {"n": 2})
    assert audit_record.get(s3, BUCKET, "deployments/p/1.json") == {"n": 1}


def test_a_key_outside_the_record_prefixes_is_refused(s3) -> None:
    with pytest.raises(ValueError, match="outside the record prefixes"):
        audit_record.put(s3, BUCKET, "AWSLogs/x.json", {})


def test_stamps_sort_as_time() -> None:
    assert audit_record.stamp(datetime(2026, 12, 2, 10, 51, tzinfo=UTC)) == "20261202T105100.000Z"
    same_second = [datetime(2026, 12, 2, 10, 51, 0, us, tzinfo=UTC) for us in (999_000, 2_000, 40_000)]
    assert sorted(same_second) == sorted(same_second, key=audit_record.stamp), "records of one second keep their order"
    assert [audit_record.stamp_time(audit_record.stamp(t)) for t in same_second] == same_second


def test_the_record_prefixes_are_the_ones_the_audit_bucket_grants() -> None:
    from mlzone.audit_record import PREFIXES
    from modules.audit_writers import RECORD_PREFIXES

    assert PREFIXES == RECORD_PREFIXES
