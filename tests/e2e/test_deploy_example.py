"""The README's path on the emulator: deploy the example platform and a full project, verify with boto3,
re-plan to no changes, read the status, then destroy the project stack (and deploy it again: the session's
other modules share the deployed example, in whatever order they run). Tests run in file order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import EXAMPLE_PROJECT, mlzone

pytestmark = pytest.mark.e2e


def test_deploy_applies_the_gated_plans_and_verifies(deployed) -> None:
    assert deployed.exit_code == 0, deployed.output
    assert "applied" in deployed.output
    assert "checks passed" in deployed.output and "✗" not in deployed.output


def test_what_was_deployed_checks_out_with_boto3(deployed, example: Path, aws) -> None:
    result = mlzone("verify", "--root", str(example), "--json")
    assert result.exit_code == 0, result.output
    checks = json.loads(result.stdout)
    assert all(c["ok"] for c in checks)
    checked = {c["name"] for c in checks}
    assert {
        "bucket encrypted with our KMS key",
        "bucket public access blocked",
        "audit bucket object lock on",
        "trail logging",
        "notebook without direct internet",
    } <= checked
    notebook = aws("sagemaker").describe_notebook_instance(NotebookInstanceName=f"{EXAMPLE_PROJECT}--alice")
    assert notebook["DirectInternetAccess"] == "Disabled"


def test_a_second_plan_shows_no_changes(deployed, example: Path) -> None:
    result = mlzone("plan", "--root", str(example), "--no-synth", "--json")
    assert result.exit_code == 0, result.output
    plans = {o["stack"]: o["plan"] for o in json.loads(result.stdout)["stacks"]}
    assert set(plans) == {"platform", EXAMPLE_PROJECT}
    changed = {
        s: (p["adds"], p["changes"], p["destroys"])
        for s, p in plans.items()
        if (p["adds"], p["changes"], p["destroys"]) != (0, 0, 0)
    }
    assert changed == {}, f"drift after apply: {changed}; see {example}/.mlzone/plans/*/plan.json"
    summary = (example / ".mlzone" / "plan-summary.md").read_text()
    assert "| platform | 0 | 0 | 0 | passed" in summary


def test_status_lists_each_stack_and_no_endpoint_before_a_version_is_approved(deployed, example: Path) -> None:
    result = mlzone("status", "--root", str(example), "--json")
    assert result.exit_code == 0, result.output
    rows = {r["stack"]: r for r in json.loads(result.stdout)}
    assert rows["platform"]["resources"] > 0 and rows["platform"]["outputs"]["audit_bucket"]
    assert rows[EXAMPLE_PROJECT]["endpoints"] == {}, "the example names no model version: nothing is served yet"


@pytest.fixture
def deployed_again_after(example: Path) -> Iterator[None]:
    """What the test destroys is deployed again after it, so later users of `deployed` find the project."""
    yield
    again = mlzone("deploy", EXAMPLE_PROJECT, "--root", str(example), "--no-synth")
    assert again.exit_code == 0, again.output


def test_destroy_removes_the_project_and_keeps_the_platform(deployed, deployed_again_after, example: Path, aws) -> None:
    keys_before = {k["KeyId"] for k in aws("kms").list_keys()["Keys"]}
    result = mlzone("destroy", EXAMPLE_PROJECT, "--root", str(example))
    assert result.exit_code == 0, result.output
    assert "retained" in result.output and "aws_kms_key." in result.output, "the project key is kept, not deleted"
    keys_after = {
        k["KeyId"]: aws("kms").describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"]
        for k in aws("kms").list_keys()["Keys"]
    }
    assert set(keys_after) == keys_before and set(keys_after.values()) == {"Enabled"}
    names = [n["NotebookInstanceName"] for n in aws("sagemaker").list_notebook_instances()["NotebookInstances"]]
    assert f"{EXAMPLE_PROJECT}--alice" not in names
    assert aws("sagemaker").list_endpoints()["Endpoints"] == []
    buckets = {b["Name"] for b in aws("s3").list_buckets()["Buckets"]}
    assert "acme-ml-audit-eu-west-1" in buckets, "the platform (audit) stays"
