"""Reading the deploy records of a stack (`deployments/<stack>/<stamp>-<plan hash>.json`): which one
was in force at a given time, and so which model package version an endpoint served then."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mlzone import audit_record


def history(s3: Any, bucket: str, stack: str) -> list[dict[str, Any]]:
    """The successful deploy records of `stack`, oldest first, each with its `record_uri` and `stamp`."""
    found = []
    for key in audit_record.keys(s3, bucket, f"deployments/{stack}/"):
        record = audit_record.get(s3, bucket, key)
        if record.get("status") == "succeeded":
            stamp = key.removeprefix(f"deployments/{stack}/").split("-")[0]
            found.append(record | {"record_uri": f"s3://{bucket}/{key}", "stamp": stamp})
    return found


def in_force(records: list[dict[str, Any]], name: str, at: datetime, kind: str = "endpoints") -> dict[str, Any] | None:
    """The last record before `at` that names the endpoint (or, with `kind="batch_jobs"`, the batch job) `name`
    (physical name; records as `history` returns them)."""
    when = audit_record.stamp(at)
    found = None
    for record in records:
        if record["stamp"] > when:
            break
        if name in record.get(kind, {}):
            found = record
    return found
