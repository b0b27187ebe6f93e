"""mlzone.workspace, mlzone.plans and mlzone.orchestrate without Terraform: change counts, the plan key that lets
unchanged stacks skip planning,
the pull-request summary and the emulator's explicit skip list."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from mlzone import workspace
from mlzone.orchestrate import stack
from mlzone.orchestrate.stack import StackOutcome, count_changes
from mlzone.plans import StackPlan, current_plan
from mlzone.render import markdown_summary
from mlzone.workspace import Workspace

pytestmark = pytest.mark.unit


def change(address: str, *actions: str) -> dict:
    return {"address": address, "type": address.split(".")[0], "change": {"actions": list(actions)}}


PLAN = {
    "resource_changes": [
        change("aws_s3_bucket.a", "create"),
        change("aws_kms_key.k", "update"),
        change("aws_vpc.v", "no-op"),
        change("aws_sagemaker_model.m", "delete", "create"),
        change("aws_iam_role.r", "delete"),
    ]
}


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    for name in ("platform", "churn"):
        (tmp_path / "cdktf.out" / "stacks" / name).mkdir(parents=True)
        (tmp_path / "cdktf.out" / "stacks" / name / "cdk.tf.json").write_text('{"resource": {}}')
    return Workspace(tmp_path, "local", emulator_url="http://127.0.0.1:4566")


def test_count_changes_counts_a_replacement_as_one_add_and_one_destroy() -> None:
    assert count_changes(PLAN) == (2, 1, 2)


def test_stacks_are_listed_platform_first(ws: Workspace) -> None:
    assert ws.stacks() == ["platform", "churn"]


def test_the_plan_key_follows_the_synthesized_json_the_emulator_and_the_platform_state(ws: Workspace) -> None:
    key = ws.plan_key("churn")
    assert ws.plan_key("churn") == key
    assert Workspace(ws.root, "local", emulator_url="http://127.0.0.1:9999").plan_key("churn") != key
    state = ws.local_state("platform")
    state.parent.mkdir(parents=True)
    state.write_text(json.dumps({"lineage": "l", "serial": 1}))
    after_platform_apply = ws.plan_key("churn")
    assert after_platform_apply != key, "a project plan reads the platform's outputs"
    (ws.stack_dir("churn") / "cdk.tf.json").write_text('{"resource": {"x": {}}}')
    assert ws.plan_key("churn") != after_platform_apply
    assert ws.plan_key("churn", destroy=True) != ws.plan_key("churn")


def test_the_plan_key_is_the_same_in_every_process(ws: Workspace) -> None:
    state = ws.local_state("platform")
    state.parent.mkdir(parents=True)
    state.write_text(json.dumps({"lineage": "l", "serial": 1}))
    code = (
        f"from pathlib import Path; from mlzone.workspace import Workspace; "
        f"print(Workspace(Path({str(ws.root)!r}), 'local', emulator_url={ws.emulator_url!r}).plan_key('churn'))"
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert keys == {ws.plan_key("churn") + "\n"}


def test_a_saved_plan_is_reused_only_while_its_key_holds(ws: Workspace) -> None:
    folder = ws.plan_dir("churn")
    folder.mkdir(parents=True)
    (folder / "tfplan").write_bytes(b"plan")
    saved = StackPlan(stack="churn", adds=1, gate_passed=True, key=ws.plan_key("churn"))
    (folder / "meta.json").write_text(json.dumps(asdict(saved)))
    assert current_plan(ws, "churn") == saved
    assert current_plan(ws, "churn", destroy=True) is None
    (ws.stack_dir("churn") / "cdk.tf.json").write_text('{"resource": {"changed": {}}}')
    assert current_plan(ws, "churn") is None


def test_an_unknown_stack_is_named_with_the_known_ones(ws: Workspace) -> None:
    with pytest.raises(ValueError, match="unknown stack.*nope.*platform, churn"):
        workspace.resolve_stacks(ws, ["nope"])
    assert workspace.resolve_stacks(ws, ["churn"]) == ["churn"]


def test_the_markdown_summary_has_a_row_per_stack_and_the_reasons(monkeypatch) -> None:
    monkeypatch.setitem(stack.emulator.UNSUPPORTED, "aws_sagemaker_model", "not on the emulator (test)")
    refused = StackPlan(
        stack="churn",
        adds=2,
        gate_passed=False,
        gate_summary="policy gate BLOCKED",
        gate_details=["CKV_AWS_1 churn/bucket: not encrypted"],
        unsupported=stack.unsupported_on_emulator(PLAN),
    )
    text = markdown_summary(
        [
            StackOutcome("platform", StackPlan(stack="platform", gate_passed=True, gate_summary="ok")),
            StackOutcome("churn", refused),
            StackOutcome("broken", error="stack broken, step init: x"),
        ],
        "local",
    )
    assert "| platform | 0 | 0 | 0 | passed: ok |" in text
    assert "| churn | 2 | 0 | 0 | **failed**: policy gate BLOCKED |" in text
    assert "**churn** gate: CKV_AWS_1 churn/bucket: not encrypted" in text
    assert "**churn** not run on the emulator: aws_sagemaker_model.m: not on the emulator (test)" in text
    assert "**broken**: stack broken, step init: x" in text


def test_the_plan_names_updates_the_emulator_cannot_do() -> None:
    plan = {
        "resource_changes": [
            change("aws_athena_workgroup.w", "update"),
            change("aws_athena_workgroup.x", "no-op"),
            change("aws_sagemaker_notebook_instance.n", "update"),
        ]
    }
    assert stack.unsupported_on_emulator(plan) == [
        f"aws_athena_workgroup.w: {stack.emulator.UNSUPPORTED_UPDATES['aws_athena_workgroup']}"
    ]
