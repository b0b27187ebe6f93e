"""`mlzone batch run` on the local target: the same scoring script on local Spark against the emulator's S3
(input object versions and output staged through a local folder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlzone.errors import INVALID, Failure
from mlzone.jobs import shipped
from mlzone.predictions.subjects import hmac_key
from modules.scoring_job import arguments, batch_prefix
from modules.subject_keys import secret_name
from stacks.spec import data_bucket_name, load_zone

FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}


class BatchError(Failure):
    """A run could not start (bad input: exit 2, the default) or failed (exit 1); the message names the fix."""

    code = INVALID


@dataclass(frozen=True)
class Run:
    """One scoring run's arguments (locations are s3:// URIs)."""

    model_package_arn: str
    input: str
    input_format: str
    output: str
    audit_bucket: str
    job: str
    run_id: str
    subject_field: str | None = None
    subject_key_secret: str | None = None

    def arguments(self, staging: str) -> list[str]:
        """The script's command line (modules/scoring_job.py), staging through the local folder `staging`."""
        values = {f"--{k.replace('_', '-')}": v for k, v in self.__dict__.items()}
        return arguments(values | {"--staging": staging})


def version_arn(sagemaker: Any, group: str, version: int) -> str:
    """The ARN of version `version` of model package group `group` (exit 2 when there is none)."""
    pages = sagemaker.get_paginator("list_model_packages").paginate(ModelPackageGroupName=group)
    for summary in (s for page in pages for s in page["ModelPackageSummaryList"]):
        if summary["ModelPackageVersion"] == version:
            return summary["ModelPackageArn"]
    raise BatchError(
        f"model package group {group} has no version {version}; fix: register it "
        f"(`mlzone model register`) or pass an existing --version"
    )


def input_format(s3: Any, uri: str) -> str:
    """The format of the objects under `uri`, from their file extension (all must agree)."""
    bucket, prefix = uri.removeprefix("s3://").split("/", 1)
    found = {
        Path(o["Key"]).suffix
        for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        if not Path(o["Key"]).name.startswith(("_", "."))
    }
    formats = {FORMATS[s] for s in found if s in FORMATS}
    if len(formats) != 1 or not found <= FORMATS.keys():
        raise BatchError(
            f"input {uri}: cannot tell the format from the extensions {sorted(found) or 'none'}; "
            f"fix: pass --format ({', '.join(sorted(set(FORMATS.values())))})"
        )
    return formats.pop()


def run_script(run: Run, endpoint_url: str, region: str) -> dict[str, Any]:
    """Run the shipped script on local Spark; returns the manifest it wrote (a failed run: BatchError, code 1)."""
    with tempfile.TemporaryDirectory(prefix="mlzone-batch-") as tmp:
        script = shipped.stage(Path(tmp) / "job")
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_DEFAULT_REGION": region,
            "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "test"),
            "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
            "PYTHONPATH": os.pathsep.join((str(script.parent), os.environ.get("PYTHONPATH", ""))),  # as --py-files
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable,
            "PYSPARK_SUBMIT_ARGS": "--master local[2] --conf spark.ui.enabled=false pyspark-shell",
        }
        done = subprocess.run(
            [sys.executable, str(script), *run.arguments(f"{tmp}/stage")],
            check=False,
            env=env,
            capture_output=True,
            text=True,
        )
    lines = [line for line in done.stdout.splitlines() if line.startswith('{"manifest"')]
    if not lines:
        raise BatchError(f"the scoring job wrote no manifest (exit {done.returncode}):\n{done.stderr[-3000:]}", 1)
    return json.loads(lines[-1])


def plan_run(
    root: Path,
    project: str,
    job: str,
    version: int | None,
    input_path: str | None,
    fmt: str | None,
    s3: Any,
    sagemaker: Any,
    secretsmanager: Any,
) -> Run:
    """The run of batch job `job` of `project` as the spec defines it (exit 2 on any bad input, before scoring)."""
    zone = load_zone(root)
    spec = zone.project(project)
    entry = next((j for j in spec.batch_jobs if j.name == job), None)
    if entry is None:
        raise BatchError(
            f"projects/{project}.yaml: no batch_jobs entry named {job!r}; fix: one of "
            f"{', '.join(j.name for j in spec.batch_jobs) or '(none)'}"
        )
    version = version or getattr(entry, "version", None)
    if version is None:
        raise BatchError(f"projects/{project}.yaml: batch job {job} names no model version; fix: pass --version N")
    prefix = f"s3://{data_bucket_name(zone.platform, spec)}/{project}/"
    location = input_path or entry.input_prefix
    location = location if location.startswith("s3://") else prefix + location.lstrip("/")
    if not location.startswith(prefix) or ".." in location.split("/"):
        raise BatchError(f"--input {location} is outside the project's prefix {prefix}; fix: a location under it")
    subject_field = next(m.subject_field for m in spec.models if m.name == entry.model)
    if subject_field:  # the platform's key exists before a job needs it (created on first use)
        hmac_key(secretsmanager, zone.platform.name)
    return Run(
        model_package_arn=version_arn(sagemaker, f"{project}--{entry.model}", version),
        input=location,
        input_format=fmt or input_format(s3, location),
        output=f"s3://{zone.platform.bucket_name('predictions')}/{batch_prefix(project, job)}".rstrip("/"),
        audit_bucket=zone.platform.bucket_name("audit"),
        job=job,
        run_id=f"local-{uuid.uuid4().hex[:12]}",
        subject_field=subject_field,
        subject_key_secret=secret_name(zone.platform.name) if subject_field else None,
    )
