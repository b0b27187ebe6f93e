"""Deploy order: a stack deploys after every stack whose outputs it reads (mlzone.orchestrate.waves)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlzone.orchestrate import waves
from mlzone.orchestrate.stack import StackOutcome
from mlzone.workspace import Workspace
from modules.naming import self_service_stack_name, stack_reads

pytestmark = pytest.mark.unit
STACKS = ["platform", "churn", "fraud-detection", "fraud-detection-self-service"]


def test_a_self_service_stack_reads_the_platform_and_its_project() -> None:
    assert stack_reads("platform") == ()
    assert stack_reads("churn") == ("platform",)
    assert stack_reads(self_service_stack_name("fraud-detection")) == ("platform", "fraud-detection")


def test_waves_put_the_self_service_stack_after_its_project() -> None:
    assert waves.waves(STACKS) == [["platform"], ["churn", "fraud-detection"], ["fraud-detection-self-service"]]
    assert waves.waves(["fraud-detection-self-service"]) == [["fraud-detection-self-service"]]


def _outcome(stack: str, error: str = "") -> StackOutcome:
    return StackOutcome(stack, error=error)


def test_run_stacks_runs_the_waves_in_order_and_reversed_to_destroy(monkeypatch, tmp_path: Path) -> None:
    ran: list[str] = []

    def run_one(ws, stack, apply, destroy, progress, reviewed_only, record):
        ran.append(stack)
        return _outcome(stack)

    monkeypatch.setattr(waves, "run_one", run_one)
    ws = Workspace(tmp_path)
    waves.run_stacks(ws, STACKS, apply=True, parallel=1)
    assert ran == STACKS
    ran.clear()
    waves.run_stacks(ws, STACKS, apply=True, destroy=True, parallel=1)
    assert ran == ["fraud-detection-self-service", "churn", "fraud-detection", "platform"]


def test_a_failed_project_stops_its_self_service_stack(monkeypatch, tmp_path: Path) -> None:
    ran: list[str] = []

    def run_one(ws, stack, apply, destroy, progress, reviewed_only, record):
        ran.append(stack)
        return _outcome(stack, "apply failed" if stack == "fraud-detection" else "")

    monkeypatch.setattr(waves, "run_one", run_one)
    outcomes = waves.run_stacks(Workspace(tmp_path), STACKS, apply=True, parallel=1)
    assert "fraud-detection-self-service" not in ran
    assert [o.stack for o in outcomes] == STACKS[:3]


def test_the_self_service_plan_key_follows_the_project_state(tmp_path: Path) -> None:
    stack = self_service_stack_name("churn")
    for name in ("platform", "churn", stack):
        (tmp_path / "cdktf.out" / "stacks" / name).mkdir(parents=True)
        (tmp_path / "cdktf.out" / "stacks" / name / "cdk.tf.json").write_text("{}")
    ws = Workspace(tmp_path, emulator_url="http://127.0.0.1:4566")
    before = ws.plan_key(stack)
    ws.local_state("churn").parent.mkdir(parents=True)
    ws.local_state("churn").write_text(json.dumps({"lineage": "l", "serial": 3}))
    assert ws.plan_key(stack) != before, "a self-service plan reads its project's outputs"
