"""`mlzone model register|approve|reject|list` against moto in-process (mock_aws) and a real MLflow
client (sqlite store, artifacts in moto's S3). Identities are moto IAM users with their own access
keys: STS GetCallerIdentity answers each key's user, so who registers and who approves are real."""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import boto3
import mlflow
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from mlzone.cli import app
from mlzone.emulator.registry import patch_moto
from mlzone.lifecycle import registry
from mlzone.lifecycle.registry_context import LifecycleError, load
from mlzone.local_identity import user_credentials

REPO = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
PROJECT, MODEL = "fraud-detection", "fraud-scorer"
DATA, MLFLOW_BUCKET, AUDIT = (
    f"acme-ml-{PROJECT}--data-{REGION}",
    f"acme-ml-mlflow-{REGION}",
    f"acme-ml-audit-{REGION}",
)
ACCOUNT = "123456789012"
USERS = ("carol", "alice", "bob")  # carol registers (CI), alice and bob are the approvers


class Scorer(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input):
        return [0.5] * len(model_input)


def bucket(s3, name: str, **extra) -> None:
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}, **extra)


@pytest.fixture
def zone(tmp_path, monkeypatch):
    """A zone folder whose project names alice and bob as approvers; moto with buckets, group, repo, users;
    an MLflow run with a pyfunc model under the project's artifact prefix. Yields (root, run id, keys)."""
    for name in ("AWS_ENDPOINT_URL", "MLFLOW_S3_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    patch_moto()  # the emulator's gap handlers (moto resets unnamed fields on UpdateModelPackage)
    root = tmp_path / "zone"
    (root / "projects").mkdir(parents=True)
    shutil.copy(REPO / "platform.yaml", root / "platform.yaml")
    spec = (REPO / "projects" / f"{PROJECT}.yaml").read_text()
    approvers = [f"arn:aws:iam::{ACCOUNT}:user/{u}" for u in ("alice", "bob")] + [
        f"arn:aws:iam::{ACCOUNT}:user/carol"
    ]  # carol may approve, just never her own registration
    (root / "projects" / f"{PROJECT}.yaml").write_text(spec + f"approvers: {json.dumps(approvers)}\n")
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        bucket(s3, DATA)
        s3.put_bucket_versioning(Bucket=DATA, VersioningConfiguration={"Status": "Enabled"})
        bucket(s3, MLFLOW_BUCKET)
        bucket(s3, AUDIT, ObjectLockEnabledForBucket=True)
        boto3.client("sagemaker", region_name=REGION).create_model_package_group(
            ModelPackageGroupName=f"{PROJECT}--{MODEL}"
        )
        boto3.client("ecr", region_name=REGION).create_repository(repositoryName=f"{PROJECT}/{MODEL}")
        iam = boto3.client("iam", region_name=REGION)
        keys = {user: user_credentials(iam, user) for user in USERS}
        # through the environment only, undone after the test: mlflow.set_tracking_uri would pin the
        # process-wide URI (and the variable) for every later test in this process
        monkeypatch.setattr("mlflow.tracking._tracking_service.utils._tracking_uri", None)
        monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
        exp = mlflow.create_experiment(f"{PROJECT}/scorer", artifact_location=f"s3://{MLFLOW_BUCKET}/{PROJECT}/scorer")
        with mlflow.start_run(experiment_id=exp) as run:
            mlflow.set_tags(
                {
                    "mlflow.source.git.commit": "c0ffee" * 6 + "c0ff",
                    "mlzone.data": json.dumps([{"uri": f"s3://{DATA}/{PROJECT}/d.csv", "version_id": "v1"}]),
                }
            )
            mlflow.log_metrics({"auc": 0.91})
            mlflow.pyfunc.log_model(name="model", python_model=Scorer())
        yield root, run.info.run_id, keys


REASON = "AUC 0.91 beats the bar of 0.85"


def cli(monkeypatch, keys: dict, *args: str):
    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    return CliRunner().invoke(app, ["model", *args])


def test_register_approve_list_with_four_eyes(zone, monkeypatch) -> None:
    root, run_id, keys = zone
    r = cli(monkeypatch, keys["carol"], "register", PROJECT, MODEL, "--run", run_id, "--root", str(root), "--json")
    assert r.exit_code == 2, r.output  # an empty repository is not stood in on AWS
    assert "no serving image" in r.output
    ecr = boto3.client("ecr", region_name=REGION)
    ecr.put_image(
        repositoryName=f"{PROJECT}/{MODEL}", imageTag="v1", imageManifest=json.dumps(registry.STAND_IN_MANIFEST)
    )
    digest = ecr.describe_images(repositoryName=f"{PROJECT}/{MODEL}")["imageDetails"][0]["imageDigest"]
    r = cli(monkeypatch, keys["carol"], "register", PROJECT, MODEL, "--run", run_id, "--root", str(root), "--json")
    assert r.exit_code == 0, r.output
    found = json.loads(r.stdout)
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{PROJECT}--{MODEL}/1"
    assert found["arn"] == arn
    assert found["artifact"] == f"s3://{DATA}/{PROJECT}/models/{MODEL}/{run_id}/model.tar.gz"

    sm, s3 = boto3.client("sagemaker", region_name=REGION), boto3.client("s3", region_name=REGION)
    described = sm.describe_model_package(ModelPackageName=arn)
    assert described["ModelApprovalStatus"] == "PendingManualApproval"
    [container] = described["InferenceSpecification"]["Containers"]
    assert (
        container["Image"].endswith(f"/{PROJECT}/{MODEL}@{digest}") and container["ModelDataUrl"] == found["artifact"]
    )
    meta = described["CustomerMetadataProperties"]
    assert set(meta) == set(registry.LINEAGE_KEYS)
    assert meta["mlzone:run_id"] == run_id and meta["mlzone:git_commit"].startswith("c0ffee")
    assert json.loads(meta["mlzone:metrics"]) == {"auc": 0.91}
    assert json.loads(meta["mlzone:data"])[0]["version_id"] == "v1"
    assert meta["mlzone:registered_by"] == f"arn:aws:iam::{ACCOUNT}:user/carol"
    assert meta["mlzone:image_digest"] == digest
    body = s3.get_object(Bucket=DATA, Key=found["artifact"].split("/", 3)[3])["Body"]
    with tarfile.open(fileobj=body, mode="r|gz") as tar:
        assert "MLmodel" in tar.getnames()

    r = cli(monkeypatch, keys["carol"], "approve", PROJECT, MODEL, "1", "--reason", REASON, "--root", str(root))
    assert r.exit_code == 3 and "four eyes" in r.output, r.output
    r = cli(
        monkeypatch,
        {"AWS_ACCESS_KEY_ID": "AKIAOUTSIDER0000000", "AWS_SECRET_ACCESS_KEY": "x"},
        "approve",
        PROJECT,
        MODEL,
        "1",
        "--reason",
        REASON,
        "--root",
        str(root),
    )
    assert r.exit_code == 3 and "is not an approver" in r.output, r.output
    assert sm.describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"] == "PendingManualApproval"

    r = cli(monkeypatch, keys["alice"], "approve", PROJECT, MODEL, "1", "--reason", REASON, "--root", str(root))
    assert r.exit_code == 0, r.output
    described = sm.describe_model_package(ModelPackageName=arn)
    assert described["ModelApprovalStatus"] == "Approved"
    assert described["ApprovalDescription"] == REASON
    [key] = [o["Key"] for o in s3.list_objects_v2(Bucket=AUDIT, Prefix=f"approvals/{PROJECT}/{MODEL}/1-")["Contents"]]
    record = json.loads(s3.get_object(Bucket=AUDIT, Key=key)["Body"].read())
    assert record["caller_arn"] == f"arn:aws:iam::{ACCOUNT}:user/alice" and record["decision"] == "Approved"
    assert record["model_package_arn"] == arn and record["metrics"] == {"auc": 0.91}

    r = cli(
        monkeypatch,
        keys["bob"],
        "reject",
        PROJECT,
        MODEL,
        "1",
        "--reason",
        "second thoughts on the data set",
        "--root",
        str(root),
    )
    assert r.exit_code == 3 and "already Approved" in r.output, r.output

    r = cli(monkeypatch, keys["bob"], "list", PROJECT, "--root", str(root), "--json")
    assert r.exit_code == 0, r.output
    [row] = json.loads(r.stdout)
    assert row | {"arn": ""} == {
        "model": MODEL,
        "version": 1,
        "arn": "",
        "status": "Approved",
        "run_id": run_id,
        "registered_by": f"arn:aws:iam::{ACCOUNT}:user/carol",
        "decided_by": f"arn:aws:iam::{ACCOUNT}:user/alice",
        "deployed_to": [],
    }


@pytest.mark.parametrize(
    "args, message",
    [
        (("approve", "nope", MODEL, "1", "--reason", "long enough reason for sure"), "unknown project 'nope'"),
        (("approve", PROJECT, "nope", "1", "--reason", "long enough reason for sure"), "no model 'nope'"),
        (("approve", PROJECT, MODEL, "7", "--reason", "long enough reason for sure"), "has no version 7"),
        (("approve", PROJECT, MODEL, "1", "--reason", "   too short      "), "at least 20 characters"),
        (("register", PROJECT, MODEL, "--run", "0" * 32), "not found on the tracking server"),
        (("register", PROJECT, MODEL, "--model-uri", f"s3://{MLFLOW_BUCKET}/churn/x/model"), "outside project"),
        (("register", PROJECT, MODEL), "exactly one of --run"),
    ],
)
def test_bad_input_exits_2_without_writing(zone, monkeypatch, args, message) -> None:
    root, _, keys = zone
    r = cli(monkeypatch, keys["alice"], *args, "--root", str(root))
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output
    s3 = boto3.client("s3", region_name=REGION)
    assert "Contents" not in s3.list_objects_v2(Bucket=DATA, Prefix=f"{PROJECT}/models/")
    assert "Contents" not in s3.list_objects_v2(Bucket=AUDIT)


def test_a_run_without_a_model_is_refused(zone, monkeypatch) -> None:
    root, _, keys = zone
    exp = mlflow.get_experiment_by_name(f"{PROJECT}/scorer").experiment_id
    with mlflow.start_run(experiment_id=exp) as bare:
        mlflow.log_metric("auc", 0.5)
    ctx = load(root, PROJECT)
    with pytest.raises(LifecycleError, match="holds no MLflow model") as err:
        registry._download(f"runs:/{bare.info.run_id}/model", root)
    assert err.value.code == 2
    r = cli(monkeypatch, keys["carol"], "register", PROJECT, MODEL, "--run", bare.info.run_id, "--root", str(root))
    assert r.exit_code == 2 and ctx.data_bucket, r.output  # no serving image yet: refused before any write


def test_approvers_are_validated_strictly(tmp_path) -> None:
    from stacks.spec import SpecError, load_project

    (tmp_path / "projects").mkdir()
    spec = (REPO / "projects" / f"{PROJECT}.yaml").read_text()
    for bad in ("arn:aws:iam::123:role/x", "arn:aws:iam::123456789012:group/x", "*", "arn:aws:iam::123456789012:role/"):
        (tmp_path / "projects" / f"{PROJECT}.yaml").write_text(spec + f"approvers: [{json.dumps(bad)}]\n")
        with pytest.raises(SpecError, match="approvers"):
            load_project(tmp_path / "projects" / f"{PROJECT}.yaml", tmp_path)


def test_update_keeps_the_fields_it_does_not_name() -> None:
    """The emulator gap: moto's UpdateModelPackage reset lineage and description; AWS keeps and merges them."""
    patch_moto()
    with mock_aws():
        sm = boto3.client("sagemaker", region_name=REGION)
        sm.create_model_package_group(ModelPackageGroupName="p--m")
        arn = sm.create_model_package(
            ModelPackageGroupName="p--m",
            ModelApprovalStatus="PendingManualApproval",
            CustomerMetadataProperties={"mlzone:run_id": "r1"},
        )["ModelPackageArn"]
        sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved", ApprovalDescription="because")
        sm.update_model_package(ModelPackageArn=arn, CustomerMetadataProperties={"extra": "1"})
        found = sm.describe_model_package(ModelPackageName=arn)
        assert found["CustomerMetadataProperties"] == {"mlzone:run_id": "r1", "extra": "1"}
        assert (found["ModelApprovalStatus"], found["ApprovalDescription"]) == ("Approved", "because")
