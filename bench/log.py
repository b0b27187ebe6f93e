"""Prediction-log benchmark: figures and ratios measured in one run (no thresholds).

- `trace` of one prediction with N_BIG capture records in the log against N_SMALL (goal: ratio near 1,
  since only the prediction's hour partition is read);
- `erase` of one subject held in the same 2 objects of a log of N_BIG records against N_SMALL (how it
  grows: the subject index bounds the search to the subject's objects; what remains is S3 listing
  the versions of each touched key, which moto does by walking the whole bucket).

Runs on moto in-process (the same backend as the local emulator). Usage: python bench/log.py [--big 100000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
from moto import mock_aws

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlzone.predictions import subjects  # noqa: E402
from mlzone.predictions.erase import erase  # noqa: E402
from mlzone.trace import Sources, trace  # noqa: E402
from modules import subject_keys  # noqa: E402
from modules.prediction_record import uuid7  # noqa: E402

REGION, BUCKET, AUDIT = "eu-west-1", "bench-predictions", "bench-audit"
ENDPOINT, PER_FILE, PER_HOUR = "fraud--scoring", 100, 1000
KEY = b"b" * 32
SUBJECT, SUBJECT_FILES = "customer-7", 2  # the erased subject is in the same 2 objects at every log size


def record(event: str, customer: str, when: datetime) -> str:
    body = json.dumps({"inputs": [{"customer_id": customer, "amount": 1.0}]})
    return json.dumps(
        {
            "captureData": {"endpointInput": {"data": body}, "endpointOutput": {"data": "[0.5]"}},
            "eventMetadata": {"eventId": event, "inferenceTime": when.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "eventVersion": "0",
        }
    )


def fill(s3, records: int, start: datetime) -> str:
    """`records` captures, PER_HOUR per hour partition; returns the id of one in the last hour. Only the
    subject erased is indexed: other subjects' entries are never read by its erasure."""
    last = ""
    for first in range(0, records, PER_FILE):
        hour = start + timedelta(hours=first // PER_HOUR)
        lines = []
        for i in range(first, min(first + PER_FILE, records)):
            last = f"event-{i}"
            lines.append(
                record(last, SUBJECT if first < SUBJECT_FILES * PER_FILE and i % 10 == 7 else f"customer-{i}", hour)
            )
        key = f"fraud/{ENDPOINT}/AllTraffic/{hour:%Y/%m/%d/%H}/{first}.jsonl"
        s3.put_object(Bucket=BUCKET, Key=key, Body="\n".join(lines))
        if first < SUBJECT_FILES * PER_FILE:
            subjects.index(s3, BUCKET, {subject_keys.subject_key(KEY, SUBJECT)}, key)
    return last


def empty_log(s3) -> None:
    """The capture bucket (versioned, as the platform's) and the audit bucket, with nothing in them."""
    for bucket in (BUCKET, AUDIT):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})


def trace_seconds(s3, sagemaker, records: int, repeat: int) -> float:
    """Fill the log with `records` captures (a larger fill rewrites a smaller one's objects, so the log then
    holds exactly `records`); the median time of `trace` of the newest one."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    last = fill(s3, records, start)
    at = start + timedelta(hours=(records - 1) // PER_HOUR)
    src = Sources(
        s3=s3,
        sagemaker=sagemaker,
        capture_bucket=BUCKET,
        audit_bucket=AUDIT,
        endpoints=[("fraud", ENDPOINT)],
        batch_jobs=[],
        mlflow_run=lambda p, r: {},
    )
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        trace(src, last if records else uuid7(), at)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(records: int, repeat: int) -> tuple[float, float]:
    """(median trace time, erase time) on a log of `records` captures in moto in-process."""
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        empty_log(s3)
        traced = trace_seconds(s3, boto3.client("sagemaker", region_name=REGION), records, repeat)
        t = time.perf_counter()
        erase(s3, BUCKET, AUDIT, KEY, SUBJECT, lambda key: "customer_id", "bench", ["fraud"])
        return traced, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    args = parser.parse_args()
    small_trace, small_erase = measure(args.small, 5)
    big_trace, big_erase = measure(args.big, 5)
    print(f"trace, {args.small:>9,} records: {small_trace * 1000:8.1f} ms (median of 5)")
    print(f"trace, {args.big:>9,} records: {big_trace * 1000:8.1f} ms  ratio {big_trace / small_trace:.2f}x")
    print(f"erase, {args.small:>9,} records: {small_erase * 1000:8.1f} ms")
    print(
        f"erase, {args.big:>9,} records: {big_erase * 1000:8.1f} ms  ratio {big_erase / small_erase:.2f}x "
        f"(log {args.big / args.small:.0f}x larger)"
    )


if __name__ == "__main__":
    main()
