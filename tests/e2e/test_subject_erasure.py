"""One data subject in both sources of the prediction log, found through the subject index and erased:
an endpoint's captures (InvokeEndpoint on a moto server in this process, running mlzone's gap handlers)
and a batch run of the platform's scoring job (real local Spark, a small sklearn MLflow model). After
`erase`, a scan of every object version shows the subject's id and records gone and everyone else's
intact."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import mlflow
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from mlflow.models import infer_signature
from sklearn.linear_model import LogisticRegression

from mlzone import audit_record
from mlzone.batch.local import Run, run_script
from mlzone.emulator import patch_moto
from mlzone.predictions import subjects
from mlzone.predictions.erase import erase
from modules import subject_keys
from tests.conftest import moto_server
from tests.e2e.served_version import serve, tarred

pytestmark = pytest.mark.e2e
REGION, PLATFORM, PROJECT = "eu-west-1", "acme-ml", "fraud-detection"
DATA, LOG, AUDIT = "acme-ml-fraud-detection--data-eu-west-1", "acme-ml-predictions-eu-west-1", "acme-ml-audit-eu-west-1"
GROUP, ENDPOINT, JOB = "fraud-detection--fraud-scorer", "fraud-detection--scorer", "nightly"
ALICE, OTHERS = "alice-0001", [f"cust-{i:04d}" for i in range(2, 12)]


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, Any]]:
    patch_moto()
    with moto_server() as url:
        yield {"endpoint_url": url, "region_name": REGION, "aws_access_key_id": "test", "aws_secret_access_key": "test"}


def zone(aws: dict[str, Any], tmp: Path) -> str:
    """Buckets (the log versioned, the audit bucket locked), an approved version of a model that reads
    `amount` and `risk`, and an endpoint serving it whose model names `customer_id`; the version ARN."""
    s3, sm = boto3.client("s3", **aws), boto3.client("sagemaker", **aws)
    for bucket in (DATA, LOG, AUDIT):
        extra = {"ObjectLockEnabledForBucket": True} if bucket == AUDIT else {}
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}, **extra)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object_lock_configuration(
        Bucket=AUDIT,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
        },
    )
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"amount": rng.uniform(0, 500, 40), "risk": rng.uniform(0, 1, 40)})
    model = LogisticRegression().fit(x, (x.risk > 0.5).astype(int))
    mlflow.sklearn.save_model(model, tmp / "model", signature=infer_signature(x, model.predict(x)))
    artifact = f"{PROJECT}/models/fraud-scorer/1/model.tar.gz"
    s3.put_object(Bucket=DATA, Key=artifact, Body=tarred(tmp / "model"))
    tags = subject_keys.endpoint_tags("customer_id", subject_keys.secret_name(PLATFORM))  # as modules/endpoint.py
    return serve(sm, GROUP, f"s3://{DATA}/{artifact}", ENDPOINT, f"s3://{LOG}/{PROJECT}/", tags=tags)


def every_version_text(s3) -> str:
    """Every version of every object of the log outside the index, as text (Parquet read as rows)."""
    text = []
    for v in s3.list_object_versions(Bucket=LOG).get("Versions", []):
        if subject_keys.is_index(v["Key"]):
            continue
        body = s3.get_object(Bucket=LOG, Key=v["Key"], VersionId=v["VersionId"])["Body"].read()
        if v["Key"].endswith(".parquet"):
            body = pq.read_table(io.BytesIO(body)).to_pandas().to_json(orient="records", date_format="iso").encode()
        text.append(body.decode("latin-1"))
    return "\n".join(text)


def batch_rows(s3) -> pd.DataFrame:
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=LOG, Prefix=f"{PROJECT}/batch/").get("Contents", [])]
    return pd.concat(
        pq.read_table(io.BytesIO(s3.get_object(Bucket=LOG, Key=k)["Body"].read())).to_pandas() for k in keys
    )


def test_a_subject_in_captures_and_batch_output_is_indexed_then_erased_from_every_version(aws, tmp_path: Path) -> None:
    version = zone(aws, tmp_path)
    s3, runtime = boto3.client("s3", **aws), boto3.client("sagemaker-runtime", **aws)
    hmac = subjects.hmac_key(boto3.client("secretsmanager", **aws), PLATFORM)  # the platform's key
    alice = subject_keys.subject_key(hmac, ALICE)
    for customer in (ALICE, OTHERS[0], ALICE):  # two captures of alice, one of another subject
        body = {"inputs": [{"customer_id": customer, "amount": 12.5, "risk": 0.7}]}
        runtime.invoke_endpoint(EndpointName=ENDPOINT, Body=json.dumps(body), ContentType="application/json")
    customers = [ALICE, *OTHERS, ALICE]
    rows = pd.DataFrame({"customer_id": customers, "amount": np.arange(len(customers)) * 10.0, "risk": 0.4})
    s3.put_object(Bucket=DATA, Key=f"{PROJECT}/input/part-0.parquet", Body=rows.to_parquet(index=False))
    run = Run(
        model_package_arn=version,
        input=f"s3://{DATA}/{PROJECT}/input/",
        input_format="parquet",
        output=f"s3://{LOG}/{PROJECT}/batch/{JOB}",
        audit_bucket=AUDIT,
        job=JOB,
        run_id="test-erase",
        subject_field="customer_id",
        subject_key_secret=subject_keys.secret_name(PLATFORM),
    )
    reply = run_script(run, aws["endpoint_url"], REGION)
    manifest = audit_record.get(s3, AUDIT, reply["manifest"].split("/", 3)[3])
    assert manifest["status"] == "succeeded", manifest.get("error")

    scored = batch_rows(s3)
    assert len(scored) == len(rows)
    assert set(scored.subject_key) == {subject_keys.subject_key(hmac, c) for c in customers}, "Spark's HMAC is ours"
    assert not scored.input.str.contains("customer_id").any(), "the batch record holds the features, not the id"
    indexed = sorted(key for _, key in subjects.objects_of(s3, LOG, alice, [PROJECT]))
    assert len(indexed) == 3 and sum(k.endswith(".parquet") for k in indexed) == 1, "two captures and one batch file"
    others_before = scored[scored.subject_key != alice].sort_values("prediction_id").reset_index(drop=True)

    receipt = erase(s3, LOG, AUDIT, hmac, ALICE, lambda key: "customer_id", "arn:aws:iam::1:role/dpo", [PROJECT])
    assert sorted(o["key"] for o in receipt.objects) == indexed, "erasure read the index, nothing else"
    assert receipt.records_removed == 4  # two captures, two batch rows
    text = every_version_text(s3)
    assert ALICE not in text and alice not in text, "no version of any object holds the id or its records"
    assert all(p not in text for p in receipt.prediction_ids)
    assert OTHERS[0] in text
    after = batch_rows(s3).sort_values("prediction_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(after, others_before, check_dtype=False)  # the rewrite stores time in µs
    stored = audit_record.get(s3, AUDIT, receipt.record_uri.split("/", 3)[3])
    assert stored["subject_key"] == alice and ALICE not in json.dumps(stored)
    assert list(subjects.objects_of(s3, LOG, alice, [PROJECT])) == []
