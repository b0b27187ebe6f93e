"""Experiment tracking on the local target, end to end: the example training script logs to the real
MLflow server mlzone runs beside the emulator, with its artifacts in the emulator's S3.

The first test needs no deploy: it starts an emulator (and so MLflow) with mlzone.emulator, creates the
buckets and the tracking server with boto3 as Terraform would, and builds the script's environment with
mlzone.environment. The second runs the README's commands (`eval "$(mlzone env fraud-detection)"`, then
the script) in bash on the deployed example.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from mlzone.emulator import Emulator
from mlzone.environment import ProjectEnvironment, from_outputs, tracking_server_url
from tests.e2e.conftest import EXAMPLE_PROJECT, REGION, REPO

pytestmark = pytest.mark.e2e
TRAIN = REPO / "examples" / EXAMPLE_PROJECT / "train.py"
MLFLOW_BUCKET = "acme-ml-mlflow-eu-west-1"
DATA_BUCKET = "acme-ml-fraud-detection--data-eu-west-1"
TIMEOUT = 300  # seconds for one training run


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment without any AWS or MLflow setting, plus `extra`: the script gets only those."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MLFLOW_", "MLZONE_"))} | extra


def train(env: dict[str, str]) -> str:
    """Run the example's training script on 3,000 rows with only `env` (plus PATH etc.); the run id it prints."""
    done = subprocess.run(
        [sys.executable, str(TRAIN), "--rows", "3000"],
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return run_id_of(done.stdout)


def run_id_of(output: str) -> str:
    """The run id the script prints (MLflow prints its own 'View run' lines around it)."""
    [run_id] = re.findall(r"^[0-9a-f]{32}$", output, re.MULTILINE)
    return run_id


def check_run(env: dict[str, str], run_id: str, s3) -> dict:
    """Assert what a training run recorded on the tracking server and in S3; return the run's tags."""
    import mlflow
    from mlflow import MlflowClient

    run = MlflowClient(env["MLFLOW_TRACKING_URI"]).get_run(run_id)
    assert run.data.params["rows"] and run.data.params["C"] == "1.0"
    assert 0.7 < run.data.metrics["auc"] <= 1.0, "the model learned the planted signal"
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    assert run.data.tags["mlflow.source.git.commit"] == commit
    [pointer] = json.loads(run.data.tags["mlzone.data"])
    bucket, key = pointer["uri"].removeprefix("s3://").split("/", 1)
    assert pointer["uri"].startswith(env["MLZONE_DATA_URI"]), "the data lives under the project's data prefix"
    assert s3.head_object(Bucket=bucket, Key=key, VersionId=pointer["version_id"])["ContentLength"] > 10_000
    artifacts, prefix = env["MLZONE_ARTIFACT_URI"].removeprefix("s3://").split("/", 1)
    model_keys = [o["Key"] for o in s3.list_objects_v2(Bucket=artifacts, Prefix=prefix)["Contents"]]
    assert any(k.endswith("/artifacts/MLmodel") for k in model_keys), model_keys
    model = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    names = model.metadata.get_input_schema().input_names()
    assert names == ["amount", "hour", "merchant_risk", "card_age_days", "foreign"]
    import pandas as pd

    scores = model.predict(pd.DataFrame([[120.0, 3.0, 0.9, 10.0, 1.0], [20.0, 14.0, 0.05, 3000.0, 0.0]], columns=names))
    assert scores.shape == (2, 2) and scores[0][1] > scores[1][1], "the risky transaction scores higher"
    return run.data.tags


@pytest.fixture
def local_zone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ProjectEnvironment]:
    """An emulator with its MLflow server, the buckets and the tracking server the platform would create."""
    (tmp_path / "platform.yaml").write_text((REPO / "platform.yaml").read_text())
    with Emulator(tmp_path / ".mlzone") as emu:
        aws = {
            "endpoint_url": emu.url,
            "region_name": REGION,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }
        s3, sagemaker = boto3.client("s3", **aws), boto3.client("sagemaker", **aws)
        for bucket in (MLFLOW_BUCKET, DATA_BUCKET):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        arn = sagemaker.create_mlflow_tracking_server(
            TrackingServerName="acme-ml-mlflow",
            ArtifactStoreUri=f"s3://{MLFLOW_BUCKET}/",
            RoleArn="arn:aws:iam::123456789012:role/acme-ml-mlflow",
        )["TrackingServerArn"]
        env = from_outputs(
            EXAMPLE_PROJECT,
            REGION,
            {"tracking_server_arn": arn, "mlflow_bucket": MLFLOW_BUCKET},
            {"data_prefix": f"s3://{DATA_BUCKET}/{EXAMPLE_PROJECT}/"},
            emu.url,
            tracking_server_url(sagemaker),
        )
        assert env.tracking_uri == emu.mlflow.url
        for name, value in env.variables().items():  # for this process's own MLflow and boto3 clients
            monkeypatch.setenv(name, value)
        yield env


def test_the_example_trains_and_logs_to_the_local_mlflow_server(local_zone: ProjectEnvironment) -> None:
    env = local_zone.variables()
    s3 = boto3.client("s3")
    check_run(env, train(env), s3)


def readme_tracking_commands() -> list[str]:
    """The command lines of the README's experiment-tracking block."""
    text = (REPO / "README.md").read_text().split("<!-- tracking-commands -->", 1)[1]
    block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.strip().splitlines()]


def test_readme_tracking_commands_run_mlzone_env_evaluated_in_bash_then_the_script(deployed, example: Path) -> None:
    """The README's lines between deploy and stop, verbatim in bash, on the deployed example."""
    commands = readme_tracking_commands()
    assert commands[0] == ".venv/bin/mlzone deploy" and commands[-1] == ".venv/bin/mlzone stop"
    assert deployed.exit_code == 0, deployed.output  # the `deploy` line (the session's deploy)
    links = [example / ".venv", example / "examples"]  # the README runs in the zone folder, the repo itself
    for link in links:
        link.symlink_to(REPO / link.name)
    try:
        done = subprocess.run(
            ["bash", "-ec", "\n".join([*commands[1:-1], "env"])],
            cwd=example,
            env=clean_env({}),
            capture_output=True,
            text=True,
            timeout=TIMEOUT + 120,
        )
    finally:
        for link in links:
            link.unlink()
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    env = dict(line.split("=", 1) for line in lines if line.startswith(("AWS_", "MLFLOW_", "MLZONE_")))
    assert "kms" not in "".join(env.values()), "no key id reaches the script"
    s3 = boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        tags = check_run(env, run_id_of(done.stdout), s3)
    [pointer] = json.loads(tags["mlzone.data"])
    bucket, key = pointer["uri"].removeprefix("s3://").split("/", 1)
    assert s3.head_object(Bucket=bucket, Key=key)["ServerSideEncryption"] == "aws:kms", (
        "the data was encrypted with the project's key without the script naming it"
    )
