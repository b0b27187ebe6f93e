"""`mlzone predictions query` on the local target: DuckDB over the emulator's objects.

The log's rows (mlzone.predictions.log) are loaded into an in-memory table `predictions`; then the
connection loses file and network access and its settings are locked, and the checked statement
(mlzone.predictions.sql) runs. The same statement runs on AWS in the platform's Athena workgroup.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from mlzone.predictions import log, sql


def local(
    s3: Any,
    bucket: str,
    audit_bucket: str,
    project: str,
    since: datetime,
    statement: str,
) -> tuple[list[str], list[tuple]]:
    """Column names and rows of `statement` over `project`'s predictions since `since`."""
    sql.check(statement)
    db = duckdb.connect()
    columns = ", ".join(f'"{name}" {kind}' for name, kind in log.COLUMNS)
    db.execute(f"CREATE TABLE {sql.TABLE} ({columns})")
    names = [name for name, _ in log.COLUMNS]
    rows = [tuple(r[n] for n in names) for r in log.capture_rows(s3, bucket, audit_bucket, project, since)]
    if rows:
        db.executemany(f"INSERT INTO {sql.TABLE} VALUES ({', '.join('?' * len(names))})", rows)
    with tempfile.TemporaryDirectory(prefix="mlzone-batch-") as tmp:
        for i, key in enumerate(log.batch_objects(s3, bucket, project)):
            path = Path(tmp) / f"{i}.parquet"
            s3.download_file(bucket, key, str(path))
            db.execute(
                f"INSERT INTO {sql.TABLE} BY NAME SELECT {', '.join(names)} FROM read_parquet(?) WHERE time >= ?",
                [str(path), since],
            )
    db.execute("SET enable_external_access = false")
    db.execute("SET lock_configuration = true")
    result = db.execute(statement)
    return [d[0] for d in result.description], result.fetchall()
