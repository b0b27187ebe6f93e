"""Erasure of one data subject (GDPR art. 17) from the prediction log, with a receipt.

The subject's objects come from the subject index (mlzone.predictions.subjects), never from a scan.
Each object is rewritten without the subject's records (a capture line whose request names the
subject; a batch row whose `subject_key` is the subject's), then every other version of that key is
deleted (the prediction bucket is versioned, deliberately not locked), then the index entry. Re-running
after an interruption completes the work: a rewritten object holds nothing more to remove. The
receipt in the audit bucket names the subject key, never the raw id, and the prediction ids removed,
so `mlzone trace` can say a prediction was erased and by which receipt.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from mlzone import audit_record
from mlzone.predictions import subjects
from modules import subject_keys


@dataclass
class Receipt:
    subject_key: str
    operator: str
    time: str
    dry_run: bool
    objects: list[dict[str, Any]] = field(default_factory=list)
    prediction_ids: list[str] = field(default_factory=list)
    record_uri: str = ""

    @property
    def records_removed(self) -> int:
        return sum(o["records_removed"] for o in self.objects)


def _without_in_captures(body: bytes, subject_id: str, field_name: str) -> tuple[bytes, list[str]]:
    kept, removed = [], []
    for line in body.decode().splitlines():
        record = json.loads(line)
        payload = json.loads(record["captureData"]["endpointInput"]["data"])
        if subject_id in subject_keys.subjects_in(payload, field_name):
            removed.append(record["eventMetadata"]["eventId"])
        else:
            kept.append(line)
    return "".join(f"{k}\n" for k in kept).encode(), removed


def _without_in_batch(body: bytes, subject: str) -> tuple[bytes, list[str]]:
    with tempfile.TemporaryDirectory(prefix="mlzone-erase-") as tmp:
        src, dst = Path(tmp) / "in.parquet", Path(tmp) / "out.parquet"
        src.write_bytes(body)
        db = duckdb.connect()
        removed = [
            r[0]
            for r in db.execute(
                "SELECT prediction_id FROM read_parquet(?) WHERE subject_key = ?", [str(src), subject]
            ).fetchall()
        ]
        db.execute(
            f"COPY (SELECT * FROM read_parquet('{src}') WHERE subject_key IS DISTINCT FROM ?) "
            f"TO '{dst}' (FORMAT parquet)",
            [subject],
        )
        return dst.read_bytes(), removed


def _current(s3: Any, bucket: str, key: str) -> bytes:
    """The object's current bytes; empty when an interrupted run already deleted it."""
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return b""


def _drop_other_versions(s3: Any, bucket: str, key: str, keep: str | None) -> int:
    """Delete every version and delete marker of `key` but `keep`; returns how many."""
    doomed = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
        for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
            if v["Key"] == key and v["VersionId"] != keep:
                doomed.append(v["VersionId"])
    for version in doomed:
        s3.delete_object(Bucket=bucket, Key=key, VersionId=version)
    return len(doomed)


def erase(
    s3: Any,
    bucket: str,
    audit_bucket: str,
    hmac_key: bytes,
    subject_id: str,
    field_of: Callable[[str], str | None],
    operator: str,
    projects: Sequence[str],
    dry_run: bool = False,
) -> Receipt:
    """Remove `subject_id`'s records from every indexed object of `projects`; `field_of(object key)`
    names the request field that identifies the subject in that object's model (None: it declares none)."""
    subject = subject_keys.subject_key(hmac_key, subject_id)
    receipt = Receipt(
        subject_key=subject,
        operator=operator,
        dry_run=dry_run,
        time=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    for entry, key in list(subjects.objects_of(s3, bucket, subject, projects)):
        body = _current(s3, bucket, key)
        if key.endswith(".parquet"):
            rest, removed = _without_in_batch(body, subject) if body else (b"", [])
        else:
            name = field_of(key)
            rest, removed = _without_in_captures(body, subject_id, name) if body and name else (body, [])
        versions = 0
        if not dry_run:
            keep = None
            if rest:
                keep = s3.put_object(Bucket=bucket, Key=key, Body=rest).get("VersionId")
            versions = _drop_other_versions(s3, bucket, key, keep)
            s3.delete_object(Bucket=bucket, Key=entry)
        receipt.objects.append({"key": key, "records_removed": len(removed), "versions_deleted": versions})
        receipt.prediction_ids += removed
    if not dry_run and receipt.objects:
        record = asdict(receipt) | {"records_removed": receipt.records_removed}
        record.pop("record_uri")
        receipt.record_uri = audit_record.put(
            s3, audit_bucket, f"erasures/{audit_record.stamp()}-{subject[:16]}.json", record
        )
    return receipt
