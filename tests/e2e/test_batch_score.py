"""The platform's scoring job (mlzone/jobs/score.py) on real local Spark against the emulator's S3 and
SageMaker: a real sklearn MLflow model registered as an approved model package version, CSV and Parquet
input, predictions checked against the model called directly, partitions, commit and the run manifest."""

from __future__ import annotations

import io
import json
import tarfile
from datetime import datetime

import boto3
import mlflow
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from mlflow.models import infer_signature
from sklearn.linear_model import LogisticRegression

from mlzone import audit_record
from mlzone.batch.local import Run, input_format, run_script, version_arn
from mlzone.emulator import Emulator
from mlzone.jobs import shipped
from modules import prediction_record
from tests.e2e.conftest import EXAMPLE_PROJECT, REGION, copy_example, mlzone

pytestmark = pytest.mark.e2e
DATA, AUDIT = "acme-ml-fraud-detection--data-eu-west-1", "acme-ml-audit-eu-west-1"
LOG = "acme-ml-predictions-eu-west-1"  # the prediction log: `mlzone batch run` commits under <project>/batch/<job>/
GROUP, FEATURES = "fraud-detection--fraud-scorer", ["amount", "risk"]


@pytest.fixture(scope="module")
def zone(tmp_path_factory: pytest.TempPathFactory):
    """An emulator with the data and audit buckets and an approved version of a real sklearn model."""
    tmp = tmp_path_factory.mktemp("batch")
    copy_example(tmp, (EXAMPLE_PROJECT,))
    emu = Emulator(tmp / ".mlzone", keep=True).start()  # kept: `mlzone batch run --root tmp` finds it
    try:
        aws = {
            "endpoint_url": emu.url,
            "region_name": REGION,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }
        s3, sagemaker = boto3.client("s3", **aws), boto3.client("sagemaker", **aws)
        for bucket in (DATA, AUDIT, LOG):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        rng = np.random.default_rng(7)
        x = pd.DataFrame({"amount": rng.uniform(0, 500, 40), "risk": rng.uniform(0, 1, 40)})
        model = LogisticRegression().fit(x, (x.risk > 0.5).astype(int))
        mlflow.sklearn.save_model(model, tmp / "model", signature=infer_signature(x, model.predict(x)))
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w:gz") as tar:
            for f in (tmp / "model").iterdir():
                tar.add(f, arcname=f.name)
        key = "fraud-detection/models/fraud-scorer/1/model.tar.gz"
        s3.put_object(Bucket=DATA, Key=key, Body=archive.getvalue())
        sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
        sagemaker.create_model_package(
            ModelPackageGroupName=GROUP,
            ModelApprovalStatus="Approved",
            InferenceSpecification={
                "Containers": [{"Image": "serve:1", "ModelDataUrl": f"s3://{DATA}/{key}"}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            CustomerMetadataProperties={"mlzone:image_digest": "sha256:" + "a" * 64},
        )
        yield {"url": emu.url, "s3": s3, "sagemaker": sagemaker, "model": model, "root": tmp}
    finally:
        emu.stop(force=True)


def run_of(zone, name: str, fmt: str, input_uri: str) -> Run:
    return Run(
        model_package_arn=version_arn(zone["sagemaker"], GROUP, 1),
        input=input_uri,
        input_format=fmt,
        output=f"s3://{DATA}/fraud-detection/predictions/{name}",
        audit_bucket=AUDIT,
        job=name,
        run_id=f"test-{name}",
    )


def objects(s3, prefix: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=DATA, Prefix=prefix).get("Contents", [])]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_run_scores_every_row_like_the_model_and_writes_a_manifest(zone, fmt: str) -> None:
    s3 = zone["s3"]
    rows = pd.DataFrame({"amount": [10.0, 250.0, 490.0, 5.0, 120.0], "risk": [0.9, 0.1, 0.7, 0.2, 0.55]})
    body = rows.to_csv(index=False).encode() if fmt == "csv" else rows.to_parquet(index=False)
    put = s3.put_object(Bucket=DATA, Key=f"fraud-detection/input/{fmt}/part-0.{fmt}", Body=body)
    input_uri = f"s3://{DATA}/fraud-detection/input/{fmt}/"
    assert input_format(s3, input_uri) == fmt
    run = run_of(zone, f"nightly-{fmt}", fmt, input_uri)
    reply = run_script(run, zone["url"], REGION)
    assert reply["status"] == "succeeded", reply

    manifest = audit_record.get(s3, AUDIT, reply["manifest"].removeprefix(f"s3://{AUDIT}/"))
    assert manifest["status"] == "succeeded" and manifest["rows_in"] == manifest["rows_out"] == len(rows)
    assert manifest["input"]["objects"] == [
        {
            "uri": f"{input_uri}part-0.{fmt}",
            "version_id": put["VersionId"],
            "etag": put["ETag"].strip('"'),
            "size": len(body),
        }
    ]
    assert manifest["model_package_arn"] == run.model_package_arn
    assert manifest["image_digest"] == "sha256:" + "a" * 64
    assert manifest["script_sha256"] == shipped.script_sha256()
    assert reply["manifest"].startswith(f"s3://{AUDIT}/batch-runs/fraud-detection/nightly-{fmt}/")

    keys = objects(s3, f"fraud-detection/predictions/nightly-{fmt}/")
    assert keys and all("/_staging/" not in k for k in keys), "staging is gone after the commit"
    assert sorted(o["uri"] for o in manifest["output"]["objects"]) == sorted(f"s3://{DATA}/{k}" for k in keys)
    [part] = {k.split("/")[3] + "/" + k.split("/")[4] for k in keys}
    assert part.startswith("date=") and part.split("/")[1].startswith("hour=")
    table = pd.concat(
        pq.read_table(io.BytesIO(s3.get_object(Bucket=DATA, Key=k)["Body"].read())).to_pandas() for k in keys
    )
    assert tuple(table.columns) == prediction_record.NAMES
    for record in table.to_dict("records"):
        assert prediction_record.problems(record) == []
    assert set(table.source) == {"batch"} and set(table.run_or_deploy_id) == {run.run_id}
    assert table.prediction_id.nunique() == len(rows)
    started = datetime.fromisoformat(manifest["started"])
    issued = {prediction_record.time_of(i) for i in table.prediction_id}
    assert issued == {started.replace(microsecond=started.microsecond // 1000 * 1000)}, "UUIDv7 of the run's start"
    scored = {
        tuple(json.loads(i)[f] for f in FEATURES): json.loads(o)["prediction"]
        for i, o in zip(table.input, table.output, strict=True)
    }
    expected = zone["model"].predict(rows[FEATURES])
    assert [scored[tuple(r)] for r in rows[FEATURES].itertuples(index=False)] == list(expected)


def test_a_failed_run_leaves_no_output_and_a_failed_manifest(zone) -> None:
    s3 = zone["s3"]
    s3.put_object(Bucket=DATA, Key="fraud-detection/input/bad/part-0.csv", Body=b"amount,other\n1.0,2.0\n")
    reply = run_script(run_of(zone, "broken", "csv", f"s3://{DATA}/fraud-detection/input/bad/"), zone["url"], REGION)
    assert reply["status"] == "failed"
    manifest = audit_record.get(s3, AUDIT, reply["manifest"].removeprefix(f"s3://{AUDIT}/"))
    assert manifest["status"] == "failed" and "missing columns ['risk']" in manifest["error"]
    assert manifest["rows_out"] == 0 and manifest["output"]["objects"] == []
    assert objects(s3, "fraud-detection/predictions/broken/") == []


def test_the_command_runs_the_spec_job_and_refuses_input_outside_the_project(zone) -> None:
    s3, root = zone["s3"], str(zone["root"])
    outside = mlzone(
        "batch",
        "run",
        EXAMPLE_PROJECT,
        "nightly-scoring",
        "--version",
        "1",
        "--root",
        root,
        "--input",
        f"s3://{DATA}/other-project/input/",
    )
    assert outside.exit_code == 2 and "outside the project's prefix" in outside.output
    unknown = mlzone("batch", "run", EXAMPLE_PROJECT, "no-such-job", "--version", "1", "--root", root)
    assert unknown.exit_code == 2 and "nightly-scoring" in unknown.output
    s3.put_object(  # with customer_id: the example model names it as its subject_field
        Bucket=DATA,
        Key="fraud-detection/input/cli/part-0.jsonl",
        Body=b'{"customer_id": "c-1", "amount": 3.0, "risk": 0.8}\n'
        b'{"customer_id": "c-2", "amount": 400.0, "risk": 0.1}\n',
    )
    done = mlzone(
        "batch", "run", EXAMPLE_PROJECT, "nightly-scoring", "--version", "1", "--root", root, "--input", "input/cli/"
    )
    assert done.exit_code == 0, done.output
    committed = s3.list_objects_v2(Bucket=LOG, Prefix="fraud-detection/batch/nightly-scoring/date=")
    assert committed.get("Contents"), "the run is committed to the prediction log"
