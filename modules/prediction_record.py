"""The unified prediction record: one schema for endpoint captures and batch predictions.

Plain Python with no imports beyond the standard library, so the scoring job (`score.py`, shipped
beside it with `--py-files`) and the prediction log read the same definition.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SOURCES = ("endpoint", "batch")
FIELDS: tuple[tuple[str, str, bool], ...] = (  # (name, Spark/Athena type, nullable)
    ("prediction_id", "string", False),
    ("project", "string", False),
    ("source", "string", False),  # endpoint | batch
    ("source_name", "string", False),  # the endpoint's or the batch job's name
    ("model", "string", False),
    ("model_version", "int", False),
    ("model_package_arn", "string", False),
    ("time", "timestamp", False),  # UTC
    ("input", "string", False),  # JSON object: the request's features
    ("output", "string", False),  # JSON: the model's answer
    ("subject_key", "string", True),  # pseudonymous key of the data subject, when the model names one
    ("run_or_deploy_id", "string", False),  # the batch run id or the deploy record's id
)
NAMES = tuple(name for name, _, _ in FIELDS)
JSON_FIELDS = ("input", "output")  # strings holding JSON documents
PARTITIONS = ("date", "hour")  # date=YYYY-MM-DD/hour=HH, from `time`


def id_prefix(at: datetime) -> str:
    """The first 15 characters of a time-ordered id (RFC 9562 UUIDv7) issued at `at`: its 48-bit Unix time in
    milliseconds and the version digit. Any UUID's characters from the 16th on complete it."""
    millis = f"{(at - EPOCH) // timedelta(milliseconds=1):012x}"
    return f"{millis[:8]}-{millis[8:]}-7"


def uuid7(at: datetime | None = None) -> str:
    """A time-ordered prediction id: its hour partition can be read from the id alone (`time_of`)."""
    return id_prefix(at or datetime.now(UTC)) + str(uuid.uuid4())[15:]


def time_of(record_id: str) -> datetime | None:
    """The time a UUIDv7 id was issued, or None for any other id."""
    try:
        u = uuid.UUID(record_id)
    except ValueError:
        return None
    if u.version != 7:
        return None
    return datetime.fromtimestamp(int.from_bytes(u.bytes[0:6], "big") / 1000, UTC)


def ddl() -> str:
    """The schema as a Spark/Athena column list: `prediction_id string, ...`."""
    return ", ".join(f"`{name}` {kind}" for name, kind, _ in FIELDS)


def partition(time: datetime) -> dict[str, str]:
    """The partition values of a record written at `time`."""
    return {"date": time.strftime("%Y-%m-%d"), "hour": time.strftime("%H")}


def problems(record: dict[str, Any]) -> list[str]:
    """What is wrong with one record (missing or extra fields, nulls where none may be, unknown source)."""
    found = [f"missing field {n}" for n in NAMES if n not in record]
    found += [f"unknown field {n}" for n in record if n not in NAMES and n not in PARTITIONS]
    found += [f"{n} is null" for n, _, nullable in FIELDS if not nullable and n in record and record[n] is None]
    if record.get("source") not in SOURCES:
        found.append(f"source {record.get('source')!r} is not one of {SOURCES}")
    return found
