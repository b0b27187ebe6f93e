"""One stack's steps: init → plan → gate 2 → apply exactly the saved plan (or destroy)."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlzone import emulator
from mlzone.gate.runner import run as run_gate
from mlzone.orchestrate.interrupted import mark_interrupted, repair_interrupted
from mlzone.plans import StackPlan, current_plan, write_plan
from mlzone.terraform.errors import TerraformError, TerraformInterrupted
from mlzone.terraform.runner import Terraform
from mlzone.workspace import Workspace

Progress = Callable[[str, str], None]  # (stack, step) -> None: the CLI shows a spinner per stack
Recorder = Callable[["StackOutcome"], None]  # called after each apply, succeeded or not (mlzone.deploy_record)


def quiet(stack: str, step: str) -> None:
    """Default progress callback: report nothing."""


@dataclass(frozen=True)
class GateVerdict:
    """Gate 2's answer for one plan."""

    passed: bool
    summary: str  # one line for the table
    details: tuple[str, ...] = ()  # failed checks / change-rule violations, one per line
    exceptions: tuple[str, ...] = ()  # `<check id>:<resource>` of the exceptions that excepted a finding


_GATE_LOCK = threading.Lock()  # checkov runs in-process and is not thread-safe


def gate_plan(plan_json: Path) -> GateVerdict:
    """Gate 2 (mlzone.gate.runner: checkov on the plan JSON + the change rules); findings name construct paths
    through the cdk.tf.json beside the plan. `MLZONE_GATE=report-only` reports without refusing."""
    with _GATE_LOCK:
        result = run_gate([plan_json])
    details = [f"{f.check_id} {f.path}: {f.message}" for f in result.failed] + result.all_errors
    return GateVerdict(
        result.ok or result.report_only, result.summary(), tuple(details), tuple(result.exceptions_used())
    )


def count_changes(plan: dict[str, Any]) -> tuple[int, int, int]:
    """(adds, changes, destroys) of a plan JSON; a replacement counts as one add and one destroy."""
    adds = changes = destroys = 0
    for rc in plan.get("resource_changes", []):
        actions = rc["change"]["actions"]
        adds += "create" in actions
        destroys += "delete" in actions
        changes += actions == ["update"]
    return adds, changes, destroys


def unsupported_on_emulator(plan: dict[str, Any]) -> list[str]:
    """Changes in the plan that the local emulator cannot run, with the reason: resources it cannot hold
    (emulator.UNSUPPORTED) and in-place updates it cannot do (emulator.UNSUPPORTED_UPDATES)."""
    found = []
    for rc in plan.get("resource_changes", []):
        actions = rc["change"]["actions"]
        if rc["type"] in emulator.UNSUPPORTED and actions != ["no-op"]:
            found.append(f"{rc['address']}: {emulator.UNSUPPORTED[rc['type']]}")
        elif rc["type"] in emulator.UNSUPPORTED_UPDATES and actions == ["update"]:
            found.append(f"{rc['address']}: {emulator.UNSUPPORTED_UPDATES[rc['type']]}")
    return found


# Never destroyed by mlzone: data encrypted with a project key stays readable after its stack is gone.
# Gate 2 refuses deleting keys (MLZ_PLAN_1), so a destroy first releases them from the state; deleting
# a retained key is a deliberate manual step (`aws kms schedule-key-deletion`), see docs/cli.md.
RETAINED_ON_DESTROY = ("aws_kms_key",)


def release_retained(tf: Terraform) -> list[str]:
    """Remove the resources mlzone never destroys from a stack's state; return their addresses."""
    listed = tf.run("state", "list", log_as="state-list").stdout.split()
    retained = [a for a in listed if a.split(".")[0] in RETAINED_ON_DESTROY]
    for address in retained:
        tf.run("state", "rm", address, log_as="state-rm")
    return retained


def plan_stack(
    ws: Workspace, stack: str, destroy: bool = False, progress: Progress = quiet, reviewed_only: bool = False
) -> StackPlan:
    """Plan one stack and gate it, or reuse its current plan; the result is saved in meta.json.

    `reviewed_only` never plans: only a current saved plan is returned (e.g. restored from CI artifacts,
    so Terraform is initialized first), anything else is refused."""
    if (kept := current_plan(ws, stack, destroy)) is not None:
        kept.reused = True
        if reviewed_only:
            progress(stack, "init")
            ws.terraform(stack).init()
        return kept
    if reviewed_only:
        raise TerraformError(
            f"stack {stack}, step plan: refused, no current reviewed plan (--reviewed-only never plans)"
        )
    tf = ws.terraform(stack)
    folder = ws.plan_dir(stack)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copy(ws.stack_dir(stack) / "cdk.tf.json", folder)  # what was planned; gate 2 maps findings with it
    progress(stack, "init")
    tf.init()
    repaired = repair_interrupted(ws, tf)
    retained = release_retained(tf) if destroy else []
    progress(stack, "plan")
    plan_json = tf.plan(folder / "tfplan", destroy=destroy)
    doc = json.loads(plan_json.read_text())
    adds, changes, destroys = count_changes(doc)
    progress(stack, "gate")
    verdict = gate_plan(plan_json)
    unsupported = unsupported_on_emulator(doc) if ws.target == "local" else []
    result = StackPlan(
        stack=stack,
        adds=adds,
        changes=changes,
        destroys=destroys,
        gate_passed=verdict.passed,
        gate_summary=verdict.summary,
        gate_details=list(verdict.details),
        gate_exceptions=list(verdict.exceptions),
        unsupported=unsupported,
        retained=retained,
        untainted=repaired.untainted,
        adopted=repaired.adopted,
        unadopted=repaired.unadopted,
        destroy=destroy,
        key=ws.plan_key(stack, destroy),
    )
    write_plan(ws, result)
    return result


def apply_stack(ws: Workspace, plan: StackPlan, progress: Progress = quiet) -> None:
    """Apply exactly the saved, gated plan of one stack (refused when the gate failed)."""
    if not plan.gate_passed:
        raise TerraformError(f"stack {plan.stack}, step gate: refused, the plan failed gate 2: {plan.gate_summary}")
    folder = ws.plan_dir(plan.stack)
    (folder / "meta.json").unlink()  # used once: an interrupted apply must be re-planned
    if plan.no_changes:
        return
    progress(plan.stack, "destroy" if plan.destroy else "apply")
    tf = ws.terraform(plan.stack)
    try:
        tf.apply(folder / "tfplan")
    except TerraformInterrupted:
        mark_interrupted(ws, tf)
        raise


@dataclass
class StackOutcome:
    """What happened to one stack in a plan/deploy/destroy run."""

    stack: str
    plan: StackPlan | None = None
    applied: bool = False
    error: str = ""  # names the stack, the step and Terraform's error
    seconds: float = 0.0
    interrupted: bool = False  # Ctrl-C stopped it (error says where)
    record_uri: str = ""  # the deploy record of this apply (audit bucket)
    record_error: str = ""  # why that record could not be written (the command then exits 1)

    @property
    def result(self) -> str:
        return "failed" if self.error else "applied" if self.applied else "planned"

    @property
    def stops_the_run(self) -> bool:
        """A failed step or a plan refused by gate 2: later waves do not start."""
        return bool(self.error or (self.plan and not self.plan.gate_passed))


def run_one(
    ws: Workspace,
    stack: str,
    apply: bool,
    destroy: bool,
    progress: Progress,
    reviewed_only: bool = False,
    record: Recorder | None = None,
) -> StackOutcome:
    """Plan (and apply) one stack; Terraform's errors end up in the outcome, not raised. An apply that ran
    (or was cut short) is passed to `record`."""
    started = time.monotonic()
    outcome = StackOutcome(stack)
    try:
        outcome.plan = plan_stack(ws, stack, destroy=destroy, progress=progress, reviewed_only=reviewed_only)
        if apply:
            apply_stack(ws, outcome.plan, progress=progress)
            outcome.applied = True
    except TerraformError as exc:
        outcome.error, outcome.interrupted = str(exc), isinstance(exc, TerraformInterrupted)
    if apply and record and outcome.plan is not None and outcome.plan.gate_passed:
        progress(stack, "record")
        record(outcome)
    outcome.seconds = time.monotonic() - started
    progress(stack, "failed" if outcome.error else "done")
    return outcome
