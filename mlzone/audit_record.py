"""Records on the audit trail: JSON objects in the platform's Object-Locked audit bucket.

Approvals, deploys, batch runs, self-service requests and erasures each write one record under their
own prefix (`PREFIXES`). A record is written once (`If-None-Match: *`: an existing key is never
overwritten) and the bucket's default retention locks it for the retention period. Records hold
identities, hashes, ARNs and counts, never personal data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from mlzone import s3_objects
from modules.audit_writers import RECORD_PREFIXES as PREFIXES


class RecordError(Exception):
    """A record could not be written or read (the message names the key and the fix)."""


def stamp(when: datetime | None = None) -> str:
    """A UTC time for keys and records, sortable as text: `20261202T105100Z`."""
    return (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


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
    """Keys of the records under `prefix`, in key (and so time) order."""
    return s3_objects.keys(s3, bucket, prefix)
