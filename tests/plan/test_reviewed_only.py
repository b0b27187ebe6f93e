"""`mlzone deploy --reviewed-only` with real Terraform: it applies exactly the saved, gated plans (restored
into a fresh checkout, as the apply workflow does), never plans, and refuses, applying nothing and naming
the stacks, when a stack has no plan or its synthesized JSON changed since the review.

The stacks hold only `terraform_data` (no provider, no AWS) with their state beside them; gate 2 has no
check for such resources, so it runs report-only here: this tests which plan is applied, not the policy.
The deploy records every apply writes go to the audit bucket on a moto server (`AWS_ENDPOINT_URL`)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import boto3
import pytest
import yaml
from typer.testing import CliRunner

from mlzone.cli import app
from tests.conftest import moto_server

pytestmark = pytest.mark.plan
STACKS = ("platform", "alpha")
AUDIT = "acme-ml-audit-eu-west-1"


def write_stack(root: Path, stack: str, value: str) -> None:
    folder = root / "cdktf.out" / "stacks" / stack
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cdk.tf.json").write_text(
        json.dumps(
            {
                "terraform": {"backend": {"local": {"path": "terraform.tfstate"}}},
                "resource": {"terraform_data": {"marker": {"input": value}}},
            }
        )
    )


def applied(root: Path, stack: str) -> str | None:
    state = root / "cdktf.out" / "stacks" / stack / "terraform.tfstate"
    if not state.is_file():
        return None
    return json.loads(state.read_text())["resources"][0]["instances"][0]["attributes"]["input"]["value"]


def fresh_checkout(root: Path) -> None:
    """What the apply job has: a new synth of the same JSON (no .terraform) and the restored plans."""
    for stack in STACKS:
        folder = root / "cdktf.out" / "stacks" / stack
        shutil.rmtree(folder / ".terraform")
        (folder / ".terraform.lock.hcl").unlink(missing_ok=True)


def mlzone(root: Path, *args: str):
    return CliRunner().invoke(
        app, [*args, "--root", str(root), "--target", "aws", "--no-synth"], catch_exceptions=False
    )


@pytest.fixture(scope="module")
def aws_api():
    """An AWS API (moto) holding the platform's audit bucket, where the apply job's deploy records go."""
    with moto_server() as url:
        yield url, _audit_bucket(url)


def _audit_bucket(url: str):
    """The platform's locked audit bucket on the moto server at `url`; an S3 client of it."""
    s3 = boto3.client("s3", endpoint_url=url, region_name="eu-west-1", aws_access_key_id="t", aws_secret_access_key="t")
    s3.create_bucket(
        Bucket=AUDIT, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}, ObjectLockEnabledForBucket=True
    )
    retention = {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}}
    s3.put_object_lock_configuration(
        Bucket=AUDIT, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": retention}
    )
    return s3


@pytest.fixture
def reviewed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_api) -> Path:
    """Two stacks, planned and gated (the pull request's plan job), not applied."""
    monkeypatch.setenv("MLZONE_GATE", "report-only")
    for name, value in {"AWS_ENDPOINT_URL": aws_api[0], "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"}.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "platform.yaml").write_text(yaml.safe_dump({"name": "acme-ml", "region": "eu-west-1"}))
    for stack in STACKS:
        write_stack(tmp_path, stack, "v1")
    result = mlzone(tmp_path, "plan")
    assert result.exit_code == 0, result.output
    fresh_checkout(tmp_path)
    return tmp_path


def test_the_reviewed_plans_are_applied_as_they_are_and_nothing_is_planned(reviewed: Path, aws_api) -> None:
    result = mlzone(reviewed, "deploy", "--reviewed-only", "--json")
    assert result.exit_code == 0, result.output
    outcomes = json.loads(result.stdout)["stacks"]
    assert [(o["stack"], o["applied"], o["plan"]["reused"]) for o in outcomes] == [
        ("platform", True, True),
        ("alpha", True, True),
    ]
    assert {s: applied(reviewed, s) for s in STACKS} == {"platform": "v1", "alpha": "v1"}
    for o in outcomes:  # the record names the reviewed plan file that was applied
        record = json.loads(aws_api[1].get_object(Bucket=AUDIT, Key=o["record_uri"].split("/", 3)[3])["Body"].read())
        tfplan = reviewed / ".mlzone" / "plans" / o["stack"] / "tfplan"
        assert (
            record["status"] == "succeeded" and record["plan_hash"] == hashlib.sha256(tfplan.read_bytes()).hexdigest()
        )
    again = mlzone(reviewed, "deploy", "--reviewed-only")
    assert again.exit_code == 3, "a plan is used once"
    assert "no reviewed plans" in again.output


def test_a_change_after_the_review_refuses_every_stack_naming_the_changed_one(reviewed: Path) -> None:
    write_stack(reviewed, "alpha", "v2")  # main moved on after the review
    result = mlzone(reviewed, "deploy", "--reviewed-only")
    assert result.exit_code == 3, result.output
    assert "alpha: the synthesized JSON changed since the reviewed plan" in result.output
    assert "platform:" not in result.output
    assert {s: applied(reviewed, s) for s in STACKS} == {"platform": None, "alpha": None}, "nothing applied"


def test_a_named_stack_without_a_plan_is_refused(reviewed: Path) -> None:
    shutil.rmtree(reviewed / ".mlzone" / "plans" / "alpha")
    result = mlzone(reviewed, "deploy", "--reviewed-only", "alpha")
    assert result.exit_code == 3, result.output
    assert "alpha: no reviewed plan" in result.output
    assert applied(reviewed, "alpha") is None
