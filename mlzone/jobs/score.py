"""The platform's batch scoring job: an EMR Serverless entry point (and, locally, `mlzone batch run`); its
options: `scoring_job.py` (modules/scoring_job.py, which the schedule uses too); docs/batch.md.

The version's MLflow model (DescribeModelPackage → ModelDataUrl) scores the input through
`mlflow.pyfunc.spark_udf`; the unified records (prediction_record.py, with `subject_key` the platform's
HMAC of `--subject-field`, subject_keys.py) go as date/hour Parquet to `--staging`, their subject index
entries are written, then they are committed under `--output`; last a run manifest goes to the audit
bucket (audit_record.py). A failed run commits nothing and its manifest says failed. It imports only its
`--py-files` and packed environment; a local `--staging` folder (local runs) stages inputs and output."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tarfile
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

import audit_record
import boto3
import prediction_record
import scoring_job
import subject_keys


class JobError(Exception):
    """The run cannot go on; the message says why (it goes into the failed manifest)."""


def split_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise JobError(f"{uri!r} is not an s3:// location")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def input_objects(s3, uri: str) -> list[dict]:
    """The current objects under the input location, with their version ids and ETags (data files only)."""
    bucket, prefix = split_uri(uri)
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            if o["Key"].endswith("/") or Path(o["Key"]).name.startswith(("_", ".")):
                continue
            head = s3.head_object(Bucket=bucket, Key=o["Key"])
            found.append(
                {
                    "uri": f"s3://{bucket}/{o['Key']}",
                    "version_id": head.get("VersionId"),
                    "etag": head["ETag"].strip('"'),
                    "size": o["Size"],
                }
            )
    return found


def fetch_model(s3, model_data_url: str, into: Path) -> Path:
    """Download and unpack model.tar.gz (MLmodel at its root) into `into`."""
    bucket, key = split_uri(model_data_url)
    archive = into / "model.tar.gz"
    s3.download_file(bucket, key, str(archive))
    model_dir = into / "model"
    with tarfile.open(archive) as tar:
        tar.extractall(model_dir, filter="data")
    if not (model_dir / "MLmodel").is_file():
        raise JobError(f"{model_data_url} holds no MLmodel at its root")
    return model_dir


def stage_inputs(s3, objects: list[dict], into: Path) -> list[str]:
    """Download the exact input object versions into `into` (local runs)."""
    paths = []
    for i, o in enumerate(objects):
        bucket, key = split_uri(o["uri"])
        target = into / f"{i:05d}-{Path(key).name}"
        extra = {"VersionId": o["version_id"]} if o["version_id"] not in (None, "null") else None
        s3.download_file(bucket, key, str(target), ExtraArgs=extra)
        paths.append(str(target))
    return paths


def read(spark, paths: list[str], fmt: str):
    if fmt == "parquet":
        return spark.read.parquet(*paths)
    if fmt == "csv":
        return spark.read.csv(paths, header=True, inferSchema=True)
    return spark.read.json(paths)


def keyed_subjects(column, key: bytes):
    """The subject keys of a column of raw subject ids (an Arrow UDF: the key stays out of the query plan)."""
    from pyspark.sql import functions as F

    def keyed(subject):
        return None if subject is None else subject_keys.subject_key(key, subject)

    return F.udf(keyed, "string", useArrow=True)(column.cast("string"))


def score(spark, df, model_dir: Path, a: argparse.Namespace, pkg: dict, started: datetime, key: bytes | None):
    """`df` scored by the model, as unified prediction records plus the date/hour partition columns."""
    import mlflow
    from pyspark.sql import functions as F

    mlmodel = mlflow.models.Model.load(str(model_dir))
    features = mlmodel.get_input_schema().input_names()
    missing = [c for c in features if c not in df.columns]
    if missing:
        extra = [c for c in df.columns if c not in features]
        raise JobError(
            f"the input does not match the model's signature: missing columns {missing}"
            + (f", extra columns {extra}" if extra else "")
        )
    if a.subject_field and a.subject_field not in df.columns:
        raise JobError(f"the input has no column {a.subject_field!r} (the model's subject_field)")
    udf = mlflow.pyfunc.spark_udf(
        spark, str(model_dir), result_type=scoring_job.result_type(mlmodel), env_manager="local"
    )
    group = a.model_package_arn.split("/")[-2]
    project, model = group.split("--", 1)
    at = started.replace(tzinfo=None)
    scored = df.withColumn("_prediction", udf(F.struct(*[F.col(c) for c in features])))
    values = {
        # time-ordered (UUIDv7 of the run's start, the records' partition), so `mlzone trace` finds the hour
        "prediction_id": F.concat(F.lit(prediction_record.id_prefix(started)), F.expr("substr(uuid(), 16)")),
        "project": F.lit(project),
        "source": F.lit("batch"),
        "source_name": F.lit(a.job),
        "model": F.lit(model),
        "model_version": F.lit(int(pkg["ModelPackageVersion"])),
        "model_package_arn": F.lit(a.model_package_arn),
        "time": F.lit(at).cast("timestamp"),
        "input": F.to_json(F.struct(*[F.col(c) for c in features])),
        "output": F.to_json(F.struct(F.col("_prediction").alias("prediction"))),
        "subject_key": keyed_subjects(F.col(a.subject_field), key) if key else F.lit(None).cast("string"),
        "run_or_deploy_id": F.lit(a.run_id),
    }
    parts = prediction_record.partition(started)
    return scored.select(
        *[values[n].alias(n) for n in prediction_record.NAMES], *[F.lit(v).alias(k) for k, v in parts.items()]
    )


def committed_key(output: str, run_id: str, relative: str) -> str:
    """The key a staged file (its partition path relative to the staging root) is committed to."""
    _, prefix = split_uri(output.rstrip("/") + "/")
    return f"{prefix}{Path(relative).parent.as_posix()}/{run_id}-{Path(relative).name}"


def index_subjects(spark, staging: str, written: list[tuple[str, str]], a: argparse.Namespace) -> None:
    """One subject index entry per (subject, committed object), written by the executors before the commit
    (an entry for an object not yet committed is harmless; an object never escapes the index)."""
    from pyspark.sql import functions as F

    bucket, _ = split_uri(a.output)
    keys = {relative: committed_key(a.output, a.run_id, relative) for relative, _ in written}
    tail = F.regexp_extract(F.input_file_name(), r"(date=[^/]+/hour=[^/]+/[^/]+)$", 1)
    pairs = (
        spark.read.parquet(staging)
        .where(F.col("subject_key").isNotNull())
        .select(tail.alias("relative"), "subject_key")
        .distinct()
    )

    def put(rows) -> None:
        client = boto3.client("s3")
        for row in rows:
            key = keys[row.relative]
            body = json.dumps({"key": key}).encode()
            client.put_object(Bucket=bucket, Key=subject_keys.index_key(row.subject_key, key), Body=body)

    pairs.foreachPartition(put)


def commit(s3, written: list[tuple[str, str]], output: str, run_id: str) -> list[dict]:
    """Move the staged files (relative partition path, source) under the output prefix; returns the objects."""
    bucket, _ = split_uri(output)
    objects = []
    for relative, source in written:
        key = committed_key(output, run_id, relative)
        if source.startswith("s3://"):
            src_bucket, src_key = split_uri(source)
            reply = s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": src_bucket, "Key": src_key})
        else:
            with open(source, "rb") as body:
                reply = s3.put_object(Bucket=bucket, Key=key, Body=body)
        objects.append({"uri": f"s3://{bucket}/{key}", "version_id": reply.get("VersionId")})
    return objects


def staged_files(s3, staging: str) -> list[tuple[str, str]]:
    """The Parquet files Spark wrote under `staging` (a local folder or an s3:// prefix)."""
    if not staging.startswith("s3://"):
        return [(p.relative_to(staging).as_posix(), str(p)) for p in sorted(Path(staging).rglob("*.parquet"))]
    bucket, prefix = split_uri(staging)
    keys = audit_record.keys(s3, bucket, prefix)  # a plain listing in key order
    return [(k[len(prefix) :], f"s3://{bucket}/{k}") for k in keys if k.endswith(".parquet")]


def drop_staging(s3, staging: str) -> None:
    if not staging.startswith("s3://"):
        return
    bucket, prefix = split_uri(staging)
    for key in list(audit_record.keys(s3, bucket, prefix)):
        s3.delete_object(Bucket=bucket, Key=key)


def subject_hmac_key(a: argparse.Namespace) -> bytes | None:
    """The platform's subject-key HMAC key, when the model names a subject field (the secret must exist)."""
    if not a.subject_field:
        return None
    if not a.subject_key_secret:
        raise JobError("--subject-field needs --subject-key-secret (the platform's subject-key secret)")
    secrets = boto3.client("secretsmanager")
    try:
        return secrets.get_secret_value(SecretId=a.subject_key_secret)["SecretBinary"]
    except secrets.exceptions.ResourceNotFoundException:
        raise JobError(f"the subject-key secret {a.subject_key_secret} does not exist") from None


def run(a: argparse.Namespace, s3, sagemaker, manifest: dict, work: Path) -> None:
    """Score; fills `manifest` as it goes (raises on failure, leaving nothing under the output prefix)."""
    pkg = sagemaker.describe_model_package(ModelPackageName=a.model_package_arn)
    manifest["image_digest"] = pkg.get("CustomerMetadataProperties", {}).get("mlzone:image_digest")
    if pkg.get("ModelApprovalStatus") != "Approved":
        raise JobError(f"{a.model_package_arn} is {pkg.get('ModelApprovalStatus')}, not Approved")
    manifest["model_data_url"] = url = pkg["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
    manifest["input"]["objects"] = objects = input_objects(s3, a.input)
    if not objects:
        return
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName(f"mlzone-{a.job}-{a.run_id}").getOrCreate()
    model_dir = fetch_model(s3, url, work)
    if a.staging.startswith("s3://"):
        paths, staging = [o["uri"] for o in objects], f"{a.staging.rstrip('/')}/{a.run_id}/"
    else:
        (inputs := Path(a.staging) / "input").mkdir(parents=True)
        paths, staging = stage_inputs(s3, objects, inputs), str(Path(a.staging) / "output")
    df = read(spark, paths, a.input_format).cache()
    manifest["rows_in"] = df.count()
    started = datetime.fromisoformat(manifest["started"])
    records = score(spark, df, model_dir, a, pkg, started, subject_hmac_key(a))
    try:
        records.write.partitionBy(*prediction_record.PARTITIONS).parquet(staging)
        written = staged_files(s3, staging)
        manifest["rows_out"] = spark.read.parquet(staging).count()
        if a.subject_field:
            index_subjects(spark, staging, written, a)
        manifest["output"]["objects"] = commit(s3, written, a.output, a.run_id)
    finally:
        drop_staging(s3, staging)


def main(argv: list[str] | None = None) -> int:
    a = scoring_job.parser().parse_args(argv)
    s3, sagemaker = boto3.client("s3"), boto3.client("sagemaker")
    project = a.model_package_arn.split("/")[-2].split("--", 1)[0]
    script = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    manifest = {
        "status": "running",
        "project": project,
        "job": a.job,
        "run_id": a.run_id,
        "job_run_id": os.environ.get("EMR_SERVERLESS_JOB_RUN_ID", a.run_id),
        "model_package_arn": a.model_package_arn,
        "image_digest": None,
        "script_sha256": script,
        "input": {"uri": a.input, "format": a.input_format, "objects": []},
        "output": {"uri": a.output, "objects": []},
        "rows_in": 0,
        "rows_out": 0,
        "started": datetime.now(UTC).isoformat(),
    }
    try:
        with tempfile.TemporaryDirectory() as work:
            run(a, s3, sagemaker, manifest, Path(work))
        manifest["status"] = "succeeded"
    except Exception as exc:  # noqa: BLE001  (any failure: the manifest says so, the output stays untouched)
        traceback.print_exc()
        manifest |= {
            "status": "failed",
            "error": audit_record.clipped(f"{type(exc).__name__}: {exc}"),
            "output": {"uri": a.output, "objects": []},
            "rows_out": 0,
        }
    manifest["finished"] = datetime.now(UTC).isoformat()
    key = f"{audit_record.batch_runs(project, a.job)}{audit_record.stamp()}-{a.run_id}.json"
    uri = audit_record.put(s3, a.audit_bucket, key, manifest)
    print(json.dumps({"manifest": uri, "status": manifest["status"], "error": manifest.get("error")}))
    return 0 if manifest["status"] == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
