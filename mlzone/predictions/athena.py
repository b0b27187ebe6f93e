"""`mlzone predictions query --target aws`: the same statement in the platform's Athena workgroup.

The unified table `predictions` is a CTE put in front of the checked statement (mlzone.predictions.sql):
the `captures` table (SageMaker's JSON Lines, as written) joined to the deploy records in force at each
capture's time — read from the audit bucket and inlined as a VALUES table, so the join is the local
path's (mlzone.predictions.log) — and the scoring job's `batch` table, both cut to the project and
`--since`. Every value inlined goes through `literal`; Terraform never sees any of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from mlzone.audit_record import stamp_time
from mlzone.errors import Failure
from mlzone.predictions.sql import TABLE
from modules.naming import package_parts
from modules.prediction_log import CAPTURES
from modules.prediction_record import NAMES
from modules.scoring_job import BATCH

DEPLOY_COLUMNS = ("endpoint", "valid_from", "valid_until", "model", "model_version", "model_package_arn", "record")
NO_DEPLOYS = (
    "SELECT CAST(NULL AS varchar) AS endpoint, CAST(NULL AS timestamp) AS valid_from, "
    "CAST(NULL AS timestamp) AS valid_until, CAST(NULL AS varchar) AS model, CAST(NULL AS integer) AS model_version, "
    "CAST(NULL AS varchar) AS model_package_arn, CAST(NULL AS varchar) AS record WHERE false"
)


def literal(value: str | int | datetime | None) -> str:
    """`value` as a Trino SQL literal: the only way a value enters the statement."""
    if value is None:
        return "NULL"
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}'"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


def deploy_intervals(history: list[dict[str, Any]]) -> list[tuple]:
    """(endpoint, from, until or None, model, version, package ARN, record URI): which version each endpoint
    served when, from the deploy records oldest first (mlzone.deployments.history)."""
    found: dict[str, list[tuple]] = {}
    for record in history:
        for endpoint, arn in record.get("endpoints", {}).items():
            model, version = package_parts(arn)
            found.setdefault(endpoint, []).append(
                (endpoint, stamp_time(record["stamp"]), model, int(version), arn, record["record_uri"])
            )
    intervals = []
    for served in found.values():
        for (endpoint, start, *rest), after in zip(served, [*served[1:], None], strict=True):
            intervals.append((endpoint, start, after[1] if after else None, *rest))
    return intervals


def view(project: str, since: datetime, intervals: list[tuple]) -> str:
    """The CTEs that define `predictions` for `project` since `since`, ending with `predictions AS (…)`."""
    if intervals:
        rows = ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in intervals)
        deploys = f"SELECT * FROM (VALUES {rows}) AS t ({', '.join(DEPLOY_COLUMNS)})"
    else:
        deploys = NO_DEPLOYS
    p, start = literal(project), literal(since)
    return (
        f"deploys AS ({deploys}), "
        "captured AS (SELECT eventMetadata.eventId AS prediction_id, endpoint AS source_name, "
        "CAST(from_iso8601_timestamp(eventMetadata.inferenceTime) AS timestamp) AS time, "
        "captureData.endpointInput.data AS input, captureData.endpointOutput.data AS output "
        f"FROM {CAPTURES} WHERE project = {p} AND dt >= {literal(f'{since.astimezone(UTC):%Y/%m/%d}')}), "
        f"{TABLE} AS (SELECT c.prediction_id, {p} AS project, 'endpoint' AS source, c.source_name, d.model, "
        "d.model_version, d.model_package_arn, c.time, c.input, c.output, CAST(NULL AS varchar) AS subject_key, "
        "d.record AS run_or_deploy_id FROM captured c LEFT JOIN deploys d ON d.endpoint = c.source_name "
        "AND c.time >= d.valid_from AND (d.valid_until IS NULL OR c.time < d.valid_until) "
        f"WHERE c.time >= {start} "
        f"UNION ALL SELECT {', '.join(NAMES)} FROM {BATCH} WHERE project = {p} AND time >= {start})"
    )


def statement(project: str, since: datetime, intervals: list[tuple], checked: str) -> str:
    """`checked` (one SELECT, mlzone.predictions.sql.check) with `predictions` defined in front of it."""
    head = view(project, since, intervals)
    body = checked.strip()
    if body[:4].lower() == "with" and body[4:5].isspace():
        return f"WITH {head}, {body[5:]}"
    return f"WITH {head} {body}"


class QueryFailed(Failure):
    """Athena failed, cancelled or did not finish the query (exit 1, with Athena's reason)."""


def run(
    athena: Any,
    workgroup: str,
    database: str,
    sql: str,
    timeout: float = 300.0,
    poll: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[list[str], list[tuple]]:
    """Column names and rows of `sql` run in `workgroup` (its enforced, encrypted result location)."""
    started = athena.start_query_execution(
        QueryString=sql, WorkGroup=workgroup, QueryExecutionContext={"Database": database}
    )
    query_id = started["QueryExecutionId"]
    waited = 0.0
    while True:
        status = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
        if status["State"] == "SUCCEEDED":
            break
        if status["State"] in ("FAILED", "CANCELLED"):
            reason = status.get("StateChangeReason", "no reason given")
            raise QueryFailed(f"Athena query {query_id} {status['State'].lower()}: {reason}")
        if waited >= timeout:
            athena.stop_query_execution(QueryExecutionId=query_id)
            raise QueryFailed(f"Athena query {query_id} took over {timeout:.0f} s and was stopped; fix: narrow --since")
        sleep(poll)
        waited += poll
    columns: list[str] = []
    rows: list[tuple] = []
    for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=query_id):
        result = page["ResultSet"]
        data = [tuple(cell.get("VarCharValue") for cell in row["Data"]) for row in result["Rows"]]
        if not columns:
            columns = [c["Name"] for c in result["ResultSetMetadata"]["ColumnInfo"]]
            data = data[1:]  # a SELECT's first row repeats the column names
        rows.extend(data)
    return columns, rows
