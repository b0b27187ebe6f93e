"""The model registry on the local emulator with the real MLflow server: train the example, register the
run, list, approve by another identity; a second decision and the registering identity are refused.

Identities: IAM users with access keys created in the emulator; its STS answers each key's user, so the
registering (carol) and approving (alice) identities are the emulator's own answers, not set by the test."""

from __future__ import annotations

import json
import subprocess
import sys

import boto3
import pytest

from mlzone.environment import ProjectEnvironment
from mlzone.local_identity import user_credentials
from tests.e2e.conftest import EXAMPLE_PROJECT, REGION, REPO
from tests.e2e.test_tracking import clean_env, local_zone, train  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e
MODEL = "fraud-scorer"
AUDIT = f"acme-ml-audit-{REGION}"
ACCOUNT = "123456789012"


def test_train_register_approve_with_four_eyes(local_zone: ProjectEnvironment, tmp_path) -> None:  # noqa: F811
    env = local_zone.variables()
    aws = {
        "endpoint_url": env["AWS_ENDPOINT_URL"],
        "region_name": REGION,
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
    }
    (tmp_path / "projects").mkdir()
    spec = (REPO / "projects" / f"{EXAMPLE_PROJECT}.yaml").read_text()
    (tmp_path / "projects" / f"{EXAMPLE_PROJECT}.yaml").write_text(
        spec + f'approvers: ["arn:aws:iam::{ACCOUNT}:user/alice", "arn:aws:iam::{ACCOUNT}:user/carol"]\n'
    )
    boto3.client("s3", **aws).create_bucket(
        Bucket=AUDIT, CreateBucketConfiguration={"LocationConstraint": REGION}, ObjectLockEnabledForBucket=True
    )
    boto3.client("sagemaker", **aws).create_model_package_group(ModelPackageGroupName=f"{EXAMPLE_PROJECT}--{MODEL}")
    boto3.client("ecr", **aws).create_repository(repositoryName=f"{EXAMPLE_PROJECT}/{MODEL}")
    iam = boto3.client("iam", **aws)
    keys = {user: user_credentials(iam, user) for user in ("carol", "alice")}

    run_id = train(env)

    def mlzone(user: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mlzone", "model", *args, "--root", str(tmp_path)],
            env=clean_env(env | keys[user]),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=REPO,
        )

    registered = mlzone("carol", "register", EXAMPLE_PROJECT, MODEL, "--run", run_id, "--json")
    assert registered.returncode == 0, registered.stderr[-3000:]
    found = json.loads(registered.stdout)
    assert found["lineage"]["mlzone:registered_by"] == f"arn:aws:iam::{ACCOUNT}:user/carol"
    assert found["lineage"]["mlzone:image_digest"].startswith("sha256:"), "the local stand-in image resolved"
    assert json.loads(found["lineage"]["mlzone:metrics"])["auc"] > 0.7

    reason = "AUC above 0.85 on the hold-out set of this run"
    own = mlzone("carol", "approve", EXAMPLE_PROJECT, MODEL, "1", "--reason", reason)
    assert own.returncode == 3 and "four eyes" in own.stderr, own.stderr
    approved = mlzone("alice", "approve", EXAMPLE_PROJECT, MODEL, "1", "--reason", reason)
    assert approved.returncode == 0, approved.stderr[-3000:]
    again = mlzone("alice", "approve", EXAMPLE_PROJECT, MODEL, "1", "--reason", reason)
    assert again.returncode == 3 and "already Approved" in again.stderr, again.stderr

    listed = mlzone("alice", "list", EXAMPLE_PROJECT, "--json")
    assert listed.returncode == 0, listed.stderr[-3000:]
    [row] = json.loads(listed.stdout)
    assert (row["status"], row["run_id"], row["decided_by"]) == (
        "Approved",
        run_id,
        f"arn:aws:iam::{ACCOUNT}:user/alice",
    )
    sm = boto3.client("sagemaker", **aws)
    meta = sm.describe_model_package(ModelPackageName=found["arn"])["CustomerMetadataProperties"]
    assert meta["mlzone:run_id"] == run_id, "approving kept the lineage (the emulator gap handler)"
