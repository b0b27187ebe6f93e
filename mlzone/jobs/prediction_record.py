"""The unified prediction record: one schema for endpoint captures and batch predictions.

Plain Python with no imports beyond the standard library, so the scoring job (`score.py`, shipped
beside it with `--py-files`) and the prediction log read the same definition.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
