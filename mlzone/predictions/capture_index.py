"""The subject index of the captures SageMaker writes (the AWS target), brought up to date before erasure.

Locally the emulator's capture writer indexes each capture as it writes it (mlzone/serving/subject_index.py).
On AWS SageMaker writes the capture files itself and indexes nothing, so `mlzone erase` first indexes
what each endpoint whose model names a `subject_field` captured since the last erasure. A mark per
endpoint (`<project>/_subjects/_caught-up/<endpoint>.json`, the last file read) bounds the listing, so
each capture file is read about once in all, not at every erasure. The hour before the mark's is read
again, because SageMaker can put a file into an hour folder after a later one (entries are idempotent).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from mlzone import s3_objects
from mlzone.predictions import subjects
from modules.capture_keys import hour_of, hour_prefix
from modules.subject_keys import INDEX, subject_key, subjects_in

MARKS = "_caught-up"  # beside the subjects' entries; never a subject key (those are hex)
REREAD = timedelta(hours=1)


def mark_key(project: str, endpoint: str) -> str:
    """Where the last capture file of `endpoint` that was indexed is recorded."""
    return f"{project}/{INDEX}/{MARKS}/{endpoint}.json"


def resume_after(last: str) -> str:
    """The listing start for a mark at `last` (a capture key): the folder of the hour before its hour."""
    project, endpoint = last.split("/")[:2]
    return hour_prefix(project, endpoint, hour_of(last) - REREAD)


def subjects_of(body: bytes, hmac_key: bytes, field: str) -> set[str]:
    """The subject keys named by the JSON requests of one capture file (other encodings name none)."""
    found: set[str] = set()
    for line in body.decode().splitlines():
        request = json.loads(line)["captureData"]["endpointInput"]
        if request.get("encoding", "JSON") != "JSON":
            continue
        try:
            payload = json.loads(request["data"])
        except ValueError:
            continue
        found |= {subject_key(hmac_key, s) for s in subjects_in(payload, field)}
    return found


def _mark(s3: Any, bucket: str, key: str) -> str | None:
    try:
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["last"]
    except s3.exceptions.NoSuchKey:
        return None


def catch_up(s3: Any, bucket: str, hmac_key: bytes, fields: Mapping[tuple[str, str], str | None]) -> int:
    """Index the capture files each (project, endpoint) with a subject field wrote since its mark; returns how
    many files were read."""
    read = 0
    for (project, endpoint), field in sorted(fields.items()):
        if not field:
            continue
        mark = mark_key(project, endpoint)
        last = _mark(s3, bucket, mark)
        newest = last or ""
        for key in s3_objects.keys(
            s3, bucket, f"{project}/{endpoint}/", start_after=resume_after(last) if last else ""
        ):
            if key.endswith(".jsonl"):
                body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
                subjects.index(s3, bucket, subjects_of(body, hmac_key, field), key)
                read, newest = read + 1, max(newest, key)
        if newest != (last or ""):
            s3.put_object(Bucket=bucket, Key=mark, Body=json.dumps({"last": newest}).encode())
    return read
