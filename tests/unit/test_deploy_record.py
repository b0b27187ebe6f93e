"""Deploy records (mlzone.deploy_record), built from a real zone folder in a git repository, saved plan
files and gate verdicts, written to moto's S3 and read back by mlzone.deployments, the reader trace uses."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from mlzone import deploy_record, deployments
from mlzone.errors import FAILED
from mlzone.gate.findings import FileResult, Finding, GateResult
from mlzone.gate.waivers import Waiver
from mlzone.orchestrate.failure import exit_code
from mlzone.orchestrate.stack import StackOutcome
from mlzone.plans import StackPlan
from mlzone.resolve import references
from mlzone.synth import GATE1_FILE, write_verdict
from mlzone.workspace import Workspace
from tests.conftest import ROOT

pytestmark = pytest.mark.unit
STACK = "fraud-detection"
BUCKET = "acme-ml-audit-eu-west-1"
OPERATOR = "arn:aws:iam::123456789012:user/deployer"
LOCK = """provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.100.0"
  constraints = "5.100.0"
}
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A zone repository (the example specs, committed) with one synthesized, gated and planned stack."""
    (tmp_path / "projects").mkdir()
    shutil.copy(ROOT / "platform.yaml", tmp_path)
    shutil.copy(ROOT / "projects" / f"{STACK}.yaml", tmp_path / "projects")
    (tmp_path / ".gitignore").write_text("cdktf.out/\n.mlzone/\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "zone")
    ws = Workspace(tmp_path, "local")
    stack_dir, plan_dir = ws.stack_dir(STACK), ws.plan_dir(STACK)
    stack_dir.mkdir(parents=True)
    plan_dir.mkdir(parents=True)
    (stack_dir / "cdk.tf.json").write_text('{"resource": {}}')
    (stack_dir / ".terraform.lock.hcl").write_text(LOCK)
    shutil.copy(stack_dir / "cdk.tf.json", plan_dir)
    (plan_dir / "tfplan").write_bytes(b"the saved plan")
    (plan_dir / "plan.json").write_text(json.dumps({"terraform_version": "1.10.5"}))
    waived = Finding(
        "CKV_AWS_1", "n", STACK, "f", "a", f"{STACK}/bucket", waiver=Waiver("CKV_AWS_1", "x", "r", "o", "t", None)
    )
    gate1 = GateResult(files=[FileResult("f", "synth", STACK, passed=3, findings=[waived])], errors=[], warnings=[])
    write_verdict(stack_dir, True, gate1)
    return ws


def planned(**overrides) -> StackPlan:
    return StackPlan(
        stack=STACK,
        adds=3,
        changes=1,
        destroys=2,
        gate_passed=True,
        gate_summary="policy gate passed",
        gate_exceptions=["CKV_AWS_2:fraud-detection/x"],
        **overrides,
    )


@pytest.fixture
def facts(ws: Workspace, zone) -> deploy_record.RunFacts:
    """The facts of one deploy command, with the example's references resolved to version ARNs."""
    resolved = {
        ref: f"arn:aws:sagemaker:eu-west-1:123456789012:model-package/{ref.project}--{ref.model}/{ref.version}"
        for ref in references(zone)
    }
    with mock_aws():
        sts = boto3.client("sts", region_name="eu-west-1")
        facts = deploy_record.gather(ws, zone, "deploy", sts, resolved)
    return facts


def test_a_record_names_commit_specs_gates_versions_counts_and_what_each_endpoint_serves(ws, facts) -> None:
    record = deploy_record.build(facts, ws, StackOutcome(STACK, planned(), applied=True))
    head = git(ws.root, "rev-parse", "HEAD")
    assert (record["git_commit"], record["dirty"], record["status"]) == (head, False, "succeeded")
    assert record["operator"].startswith("arn:aws:sts::123456789012:")  # STS's own answer
    assert record["plan_hash"] == hashlib.sha256(b"the saved plan").hexdigest()
    spec = (ws.root / "projects" / f"{STACK}.yaml").read_bytes()
    assert record["specs"][f"projects/{STACK}.yaml"] == hashlib.sha256(spec).hexdigest()
    assert set(record["specs"]) == {"platform.yaml", f"projects/{STACK}.yaml"}
    assert record["gate_1"]["passed"] and record["gate_1"]["exceptions"] == ["CKV_AWS_1:x"]
    assert record["gate_2"] == {
        "passed": True,
        "summary": "policy gate passed",
        "exceptions": ["CKV_AWS_2:fraud-detection/x"],
    }
    assert record["versions"]["terraform"] == "1.10.5"
    assert record["versions"]["providers"] == {"registry.terraform.io/hashicorp/aws": "5.100.0"}
    assert record["counts"] == {"added": 3, "changed": 1, "destroyed": 2}
    arn = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud-detection--fraud-scorer/1"
    assert record["endpoints"] == {"fraud-detection--scorer": arn}
    assert record["batch_jobs"] == {"fraud-detection--nightly-scoring": arn}
    stamp = deploy_record.key(record).removeprefix(f"deployments/{STACK}/")
    assert stamp.endswith(f"-{record['plan_hash'][:12]}.json") and len(stamp.split("-")[0]) == 20


def test_a_failed_or_interrupted_apply_is_recorded_failed(ws, facts) -> None:
    outcome = StackOutcome(STACK, planned(), error="stack fraud-detection, step apply: boom\nmore", interrupted=True)
    record = deploy_record.build(facts, ws, outcome)
    assert (record["status"], record["error"], record["interrupted"]) == (
        "failed",
        "stack fraud-detection, step apply: boom",
        True,
    )


def test_a_dirty_tree_and_a_zone_outside_git_are_said_so(ws, tmp_path_factory) -> None:
    (ws.root / "platform.yaml").write_text((ws.root / "platform.yaml").read_text() + "# edited\n")
    assert deploy_record.zone_commit(ws.root)[1] is True
    assert deploy_record.zone_commit(tmp_path_factory.mktemp("no-git")) == (None, None)


def test_gate_1_of_other_json_than_the_planned_one_is_unknown(ws, facts) -> None:
    (ws.plan_dir(STACK) / "cdk.tf.json").write_text('{"resource": {"changed": {}}}')
    assert deploy_record.gate1_verdict(ws, STACK)["passed"] is None
    (ws.stack_dir(STACK) / GATE1_FILE).unlink()
    assert "no gate 1 verdict" in deploy_record.gate1_verdict(ws, STACK)["summary"]


def test_records_go_only_into_a_locked_bucket_and_are_read_back_as_the_deploy_in_force(ws, facts) -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(
            Bucket=BUCKET,
            CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
            ObjectLockEnabledForBucket=True,
        )
        record = deploy_record.recorder(s3, BUCKET, facts, ws)
        unlocked = StackOutcome(STACK, planned(), error="interrupted")
        record(unlocked)  # the platform's apply has not set the default retention yet
        assert "no Object Lock retention rule yet" in unlocked.record_error and not unlocked.record_uri
        assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET), "nothing was written unlocked"
        s3.put_object_lock_configuration(
            Bucket=BUCKET,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
            },
        )
        ok, failed = StackOutcome(STACK, planned(), applied=True), StackOutcome(STACK, planned(), error="x")
        record(ok)
        (ws.plan_dir(STACK) / "tfplan").write_bytes(b"another plan")  # a second apply, another key
        record(failed)
        assert ok.record_uri.startswith(f"s3://{BUCKET}/deployments/{STACK}/") and failed.record_uri
        [found] = deployments.history(s3, BUCKET, STACK)  # only the successful one
        assert found["record_uri"] == ok.record_uri
        later = datetime.now(UTC) + timedelta(minutes=1)
        assert deployments.in_force([found], "fraud-detection--scorer", later)["git_commit"] == facts.git_commit


def test_a_record_that_cannot_be_written_fails_the_command(ws, facts) -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")  # no audit bucket
        outcome = StackOutcome(STACK, planned(), applied=True)
        deploy_record.recorder(s3, BUCKET, facts, ws)(outcome)
    assert "step record: the deploy record could not be written" in outcome.record_error and not outcome.record_uri
    assert exit_code([outcome]) == FAILED
