"""One prediction log over two sources, in one schema (`COLUMNS`).

- Endpoint captures stay where SageMaker writes them, in its own JSON Lines format
  (`<predictions bucket>/<project>/<endpoint>/AllTraffic/yyyy/mm/dd/hh/*.jsonl`). A capture names no
  model, so each record is joined to the deploy record in force at its time, which names the model
  package version the endpoint served (mlzone.deployments).
- Batch predictions are written by the scoring job already in this schema, as Parquet under
  `<predictions bucket>/<project>/batch/<job>/date=…/hour=…/`.

Normalizing at read time keeps SageMaker's files untouched (what AWS documents and auditors expect)
and needs no extra job; on AWS the same normalization is the platform's Athena view.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from mlzone import deployments, s3_objects
from modules import prediction_record
from modules.capture_keys import hour_of
from modules.naming import package_parts
from modules.scoring_job import batch_prefix

DUCKDB_TYPES = {"string": "VARCHAR", "int": "INTEGER", "timestamp": "TIMESTAMPTZ"}
# The record's schema (modules/prediction_record.py, shared with the scoring job) as DuckDB columns.
COLUMNS = tuple(
    (name, "JSON" if name in prediction_record.JSON_FIELDS else DUCKDB_TYPES[kind])
    for name, kind, _ in prediction_record.FIELDS
)


def capture_rows(s3: Any, bucket: str, audit_bucket: str, project: str, since: datetime) -> Iterator[dict]:
    """The endpoint captures of `project` from the hour of `since` on, as rows of the log."""
    history = deployments.history(s3, audit_bucket, project)
    first = since.replace(minute=0, second=0, microsecond=0)
    for key in s3_objects.keys(s3, bucket, f"{project}/"):
        if key.startswith(batch_prefix(project)) or not key.endswith(".jsonl") or hour_of(key) < first:
            continue
        endpoint = key.split("/")[1]
        for line in s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines():
            record = json.loads(line)
            meta, data = record["eventMetadata"], record["captureData"]
            at = datetime.fromisoformat(meta["inferenceTime"].replace("Z", "+00:00"))
            if at < since:
                continue
            deploy = deployments.in_force(history, endpoint, at) or {}
            arn = deploy.get("endpoints", {}).get(endpoint)
            model, version = package_parts(arn) if arn else (None, None)
            yield {
                "prediction_id": meta["eventId"],
                "project": project,
                "source": "endpoint",
                "source_name": endpoint,
                "model": model,
                "model_version": version,
                "model_package_arn": arn,
                "time": at,
                "input": data["endpointInput"]["data"],
                "output": data["endpointOutput"]["data"],
                "subject_key": None,  # SageMaker's record has no such field; the subject index has it
                "run_or_deploy_id": deploy.get("record_uri"),
            }


def batch_objects(s3: Any, bucket: str, project: str) -> list[str]:
    """Keys of the committed batch prediction files of `project` (Parquet)."""
    return [k for k in s3_objects.keys(s3, bucket, batch_prefix(project)) if k.endswith(".parquet")]
