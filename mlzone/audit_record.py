"""Records on the audit trail: JSON objects in the platform's Object-Locked audit bucket.

Approvals, deploys, batch runs, self-service requests and erasures each write one record under their
own prefix (`PREFIXES`). A record is written once (`If-None-Match: *`: an existing key is never
overwritten) and the bucket's default retention locks it for the retention period. Records hold
identities, hashes, ARNs and counts, never personal data.

Standard library only (and a boto3 client passed in): the scoring job imports it as a plain module
shipped beside it (mlzone/jobs/shipped.py), where the `mlzone` package does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

# modules/audit_writers.RECORD_PREFIXES, which the bucket policy grants; repeated here because this file ships
# beside the scoring job with the standard library only (tests/unit/test_audit_record.py ties the two)
PREFIXES = ("approvals/", "deployments/", "batch-runs/", "requests/", "erasures/")


class RecordError(Exception):
    """A record could not be written or read (the message names the key and the fix)."""


def stamp(when: datetime | None = None) -> str:
    """A UTC time to the millisecond for keys and records, sortable as text: `20261202T105100.123Z`.

    Milliseconds keep two records written in the same second (an apply, then a refusal) in order."""
    at = (when or datetime.now(UTC)).astimezone(UTC)
    return f"{at:%Y%m%dT%H%M%S}.{at.microsecond // 1000:03d}Z"


def batch_runs(project: str, job: str) -> str:
    """The prefix of one batch job's run manifests, each `<stamp>-<run id>.json`."""
    return f"batch-runs/{project}/{job}/"


def stamp_time(text: str) -> datetime:
    """The time a `stamp` names."""
    return datetime.strptime(text, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=UTC)


def put(s3: Any, bucket: str, key: str, record: dict[str, Any]) -> str:
    """Write `record` as JSON at `key`; refuses a key outside `PREFIXES` or one that exists. Returns its URI."""
    if not key.startswith(PREFIXES):
        raise ValueError(f"audit record key {key!r} is outside the record prefixes {PREFIXES}")
    body = json.dumps(record, sort_keys=True, indent=2, default=str).encode()
    try:
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=body,
            ContentType="application/json",
            IfNoneMatch="*",
            ChecksumAlgorithm="SHA256",
        )
    except s3.exceptions.ClientError as e:
        if e.response["Error"]["Code"] == "PreconditionFailed":
            raise RecordError(f"audit record s3://{bucket}/{key} already exists; records are never overwritten") from e
        raise
    return f"s3://{bucket}/{key}"


def get(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    """The record at `key`."""
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def keys(s3: Any, bucket: str, prefix: str) -> Iterator[str]:
    """Keys of the records under `prefix`, in key (and so time) order (S3 lists them in key order)."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        yield from (o["Key"] for o in page.get("Contents", []))


def clipped(text: str, limit: int = 2000) -> str:
    """`text` cut to `limit` characters in the middle: a Spark error's first line and its cause (the Python
    traceback's last lines) both stay."""
    return text if len(text) <= limit else f"{text[: limit // 4]} … {text[-(limit * 3 // 4) :]}"
