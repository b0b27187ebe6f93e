"""`mlzone trace ID`: from one prediction back to the model, its approver and the deploy that served it.

Read from the deployed resources and the audit bucket alone, link by link:

capture record (time, endpoint, input, output) → the deploy record in force at that time → the model
package version it served → the approval record (who, when, why) → image digest and artifact →
the MLflow run (params, metrics), training commit and data pointers. A batch prediction's chain starts
with its row of the log and the run's manifest, then the deploy record that scheduled the job's version.

A link that cannot be found is returned as missing, with the reason, never skipped. Only the time
partition the record is in is read: the ID's own time for time-ordered ids (UUIDv7, which the local
emulator's captures and the scoring job issue), otherwise the hour the caller names (`--at`).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow.parquet as pq

from mlzone import audit_record, deployments, s3_objects
from mlzone.errors import INVALID, Failure
from modules.capture_keys import hour_prefix
from modules.naming import package_parts, project_name
from modules.prediction_record import partition, time_of
from modules.scoring_job import batch_prefix

LINEAGE_PREFIX = "mlzone:"


class TraceError(Failure):
    """The trace cannot start (unknown id, no time partition): bad input, exit 2."""

    code = INVALID


@dataclass
class Link:
    """One link of the chain: its facts, or why it is missing."""

    name: str
    facts: dict[str, Any] = field(default_factory=dict)
    missing: str = ""


def hours(at: datetime) -> list[datetime]:
    """The hour partitions to read for a record issued at `at`: its hour and, near a boundary, the next."""
    hour = at.replace(minute=0, second=0, microsecond=0)
    return [hour, hour + timedelta(hours=1)] if at.minute >= 55 else [hour]


def find_capture(
    s3: Any, bucket: str, endpoints: Iterable[tuple[str, str]], record_id: str, at: datetime
) -> tuple[dict[str, Any], str, str] | None:
    """The capture record whose eventId or inferenceId is `record_id`, with its project and endpoint.

    `endpoints` are (project, endpoint name) pairs; only the hour partitions of `at` are listed."""
    for project, endpoint in endpoints:
        for hour in hours(at):
            for key in s3_objects.keys(s3, bucket, hour_prefix(project, endpoint, hour)):
                for line in s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines():
                    record = json.loads(line)
                    meta = record.get("eventMetadata", {})
                    if record_id in (meta.get("eventId"), meta.get("inferenceId")):
                        return record, project, endpoint
    return None


def find_batch(s3: Any, bucket: str, jobs: Iterable[tuple[str, str]], record_id: str, at: datetime) -> dict | None:
    """The batch prediction `record_id` as a row of the log; only the hour partitions of `at` of each
    (project, batch job) are read."""
    for project, job in jobs:
        for hour in hours(at):
            prefix = batch_prefix(project, job) + "/".join(f"{k}={v}" for k, v in partition(hour).items()) + "/"
            for key in s3_objects.keys(s3, bucket, prefix):
                body = io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
                rows = pq.read_table(body, filters=[("prediction_id", "==", record_id)]).to_pylist()
                if rows:
                    return rows[0]
    return None


def batch_run_of(s3: Any, bucket: str, project: str, job: str, run_id: str) -> dict[str, Any] | None:
    """The manifest of one batch run (audit_record.batch_runs), with its URI."""
    for key in audit_record.keys(s3, bucket, audit_record.batch_runs(project, job)):
        if key.endswith(f"-{run_id}.json"):
            return audit_record.get(s3, bucket, key) | {"record_uri": f"s3://{bucket}/{key}"}
    return None


def approval_of(s3: Any, bucket: str, project: str, model: str, version: str) -> dict[str, Any] | None:
    """The latest approval decision recorded for one model version."""
    found = None
    for key in audit_record.keys(s3, bucket, f"approvals/{project}/{model}/{version}-"):
        found = audit_record.get(s3, bucket, key) | {"record_uri": f"s3://{bucket}/{key}"}
    return found


def erasure_of(s3: Any, bucket: str, prediction_id: str) -> str | None:
    """The URI of the erasure receipt that removed `prediction_id`, if one did."""
    for key in audit_record.keys(s3, bucket, "erasures/"):
        if prediction_id in audit_record.get(s3, bucket, key).get("prediction_ids", []):
            return f"s3://{bucket}/{key}"
    return None


def lineage(package: dict[str, Any]) -> dict[str, Any]:
    """The mlzone lineage a registered version carries (`mlzone:*` customer metadata), JSON values parsed."""
    out: dict[str, Any] = {}
    for k, v in package.get("CustomerMetadataProperties", {}).items():
        if k.startswith(LINEAGE_PREFIX):
            try:
                out[k.removeprefix(LINEAGE_PREFIX)] = json.loads(v)
            except ValueError:
                out[k.removeprefix(LINEAGE_PREFIX)] = v
    return out


BATCH_RUN_FACTS = ("record_uri", "status", "job_run_id", "started", "finished", "rows_in", "rows_out", "script_sha256")
NO_DEPLOY_RECORD = "the endpoint's configuration now (no deploy record dates the version served then)"


def served_now(sagemaker: Any, endpoint: str) -> str | None:
    """The model package version ARN the endpoint serves now (endpoint → configuration → model → package)."""
    config = sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"]
    variant = sagemaker.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"][0]
    return sagemaker.describe_model(ModelName=variant["ModelName"]).get("PrimaryContainer", {}).get("ModelPackageName")


@dataclass
class Sources:
    """Where a trace reads: clients and the names of the buckets, endpoints and tracking servers."""

    s3: Any
    sagemaker: Any
    capture_bucket: str
    audit_bucket: str
    endpoints: list[tuple[str, str]]  # (project, endpoint name)
    batch_jobs: list[tuple[str, str]]  # (project, batch job name as in the spec)
    mlflow_run: Callable[[str, str], dict[str, Any]]  # (project, run id) → {"params", "metrics", "tags"}


def trace(src: Sources, record_id: str, at: datetime | None = None) -> list[Link]:
    """The chain for one prediction id, online or batch; raises TraceError when the prediction cannot be found."""
    at = time_of(record_id) or at
    if at is None:
        raise TraceError(
            f"{record_id!r} is not a time-ordered id, so its hour is unknown; "
            "fix: add --at YYYY-MM-DDTHH (the hour of the prediction, UTC)"
        )
    found = find_capture(src.s3, src.capture_bucket, src.endpoints, record_id, at)
    if found:
        return _capture_chain(src, *found)
    batch = find_batch(src.s3, src.capture_bucket, src.batch_jobs, record_id, at)
    if batch:
        return _batch_chain(src, batch)
    if receipt := erasure_of(src.s3, src.audit_bucket, record_id):
        return [Link("prediction", missing=f"erased (GDPR) by receipt {receipt}")]
    raise TraceError(
        f"no prediction {record_id!r} in the captures or batch predictions of {at:%Y-%m-%d %H}:00 UTC "
        f"({len(src.endpoints)} endpoints, {len(src.batch_jobs)} batch jobs searched); fix: check the id, or pass --at"
    )


def _deploy_link(deploy: dict[str, Any] | None, stack: str, name: str, when: str) -> Link:
    if deploy:
        return Link("deploy", _pick(deploy, "record_uri", "git_commit", "dirty", "operator", "time", "plan_hash"))
    return Link("deploy", missing=f"no successful deploy record of stack {stack!r} naming {name} before {when}")


def _capture_chain(src: Sources, record: dict[str, Any], project: str, endpoint: str) -> list[Link]:
    meta, data = record["eventMetadata"], record["captureData"]
    when = datetime.fromisoformat(meta["inferenceTime"].replace("Z", "+00:00"))
    facts = {
        "project": project,
        "endpoint": endpoint,
        "time": meta["inferenceTime"],
        "event_id": meta.get("eventId"),
        "inference_id": meta.get("inferenceId"),
        "input": data["endpointInput"]["data"],
        "output": data["endpointOutput"]["data"],
    }
    deploy = deployments.in_force(deployments.history(src.s3, src.audit_bucket, project), endpoint, when)
    links = [Link("prediction", facts), _deploy_link(deploy, project, endpoint, meta["inferenceTime"])]
    try:
        arn = deploy["endpoints"][endpoint] if deploy else served_now(src.sagemaker, endpoint)
    except src.sagemaker.exceptions.ClientError as e:
        return [*links, Link("model version", missing=f"{endpoint}: {e.response['Error']['Message']}")]
    if not arn:
        return [*links, Link("model version", missing=f"{endpoint} serves no model package version")]
    return _version_chain(src, links, project, arn, {} if deploy else {"read from": NO_DEPLOY_RECORD})


def _batch_chain(src: Sources, row: dict[str, Any]) -> list[Link]:
    project, job, run_id = row["project"], row["source_name"], row["run_or_deploy_id"]
    when = row["time"].replace(tzinfo=UTC)
    facts = {"project": project, "batch_job": job, "time": when.isoformat(), "prediction_id": row["prediction_id"]}
    links = [Link("prediction", facts | {"run_id": run_id, "input": row["input"], "output": row["output"]})]
    manifest = batch_run_of(src.s3, src.audit_bucket, project, job, run_id)
    links.append(
        Link("batch run", _pick(manifest, *BATCH_RUN_FACTS))
        if manifest
        else Link("batch run", missing=f"no run manifest of {project}/{job} run {run_id} in the audit bucket")
    )
    history = deployments.history(src.s3, src.audit_bucket, project)
    deploy = deployments.in_force(history, project_name(project, job), when, kind="batch_jobs")
    links.append(_deploy_link(deploy, project, f"batch job {job}", facts["time"]))
    return _version_chain(src, links, project, row["model_package_arn"], {})


def _version_chain(src: Sources, links: list[Link], project: str, arn: str, caveat: dict[str, str]) -> list[Link]:
    """`links` followed by the model version `arn`, its approval and its training run."""
    try:
        package = src.sagemaker.describe_model_package(ModelPackageName=arn)
    except src.sagemaker.exceptions.ClientError as e:
        return [*links, Link("model version", missing=f"{arn}: {e.response['Error']['Message']}")]
    facts = lineage(package)
    model, version = package_parts(arn)
    container = package.get("InferenceSpecification", {}).get("Containers", [{}])[0]
    links.append(
        Link(
            "model version",
            {
                "arn": arn,
                "model": model,
                "version": version,
                "status": package.get("ModelApprovalStatus"),
                "artifact": container.get("ModelDataUrl"),
                "image": container.get("Image"),
                "image_digest": facts.get("image_digest"),
            }
            | caveat,
        )
    )
    approval = approval_of(src.s3, src.audit_bucket, project, model, version)
    links.append(
        Link(
            "approval",
            {"approver": approval.get("caller_arn")}
            | _pick(approval, "record_uri", "decision", "time", "reason", "registered_by"),
        )
        if approval
        else Link("approval", missing=f"no approval record for {model} version {version}")
    )
    run_id = facts.get("run_id")
    if not run_id:
        return [*links, Link("training run", missing="the version records no MLflow run")]
    try:
        run = src.mlflow_run(project, run_id)
    except Exception as e:  # noqa: BLE001  (any tracking-server failure is a missing link, named)
        return [*links, Link("training run", missing=f"MLflow run {run_id}: {e}")]
    links.append(
        Link(
            "training run",
            {
                "run_id": run_id,
                "experiment_id": facts.get("experiment_id"),
                "git_commit": facts.get("git_commit"),
                "data": facts.get("data"),
                "params": run.get("params"),
                "metrics": run.get("metrics"),
            },
        )
    )
    return links


def _pick(record: dict[str, Any] | None, *names: str) -> dict[str, Any]:
    return {n: record.get(n) for n in names} if record else {}
