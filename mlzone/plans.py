"""Saved plans: `.mlzone/plans/<stack>/` holds `tfplan`, `plan.json`, `cdk.tf.json` (what was planned)
and `meta.json` (the gated StackPlan). `read_plan` is the one reader of `meta.json`.

A plan is used once: its `meta.json` is dropped before its apply starts, so an interrupted apply is
re-planned on the next run.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from mlzone.workspace import Workspace


@dataclass
class StackPlan:
    """A gated plan of one stack, as the summary table and `--json` show it."""

    stack: str
    adds: int = 0
    changes: int = 0
    destroys: int = 0
    gate_passed: bool = False
    gate_summary: str = ""
    gate_details: list[str] = field(default_factory=list)
    gate_exceptions: list[str] = field(default_factory=list)  # `<check id>:<resource>` that excepted a finding
    unsupported: list[str] = field(default_factory=list)  # resources the emulator cannot run, with why
    retained: list[str] = field(default_factory=list)  # destroy: resources released from state, not deleted
    untainted: list[str] = field(default_factory=list)  # left tainted by an interrupted apply, untainted
    adopted: list[str] = field(default_factory=list)  # created by an interrupted apply, unrecorded: imported
    unadopted: list[str] = field(default_factory=list)  # in flight when it stopped, with no import rule
    reused: bool = False  # the current plan was kept (stack unchanged)
    destroy: bool = False
    key: str = ""

    @property
    def no_changes(self) -> bool:
        return not (self.adds or self.changes or self.destroys)


def read_plan(ws: Workspace, stack: str) -> StackPlan | None:
    """The saved plan of `stack` (its meta.json, with the tfplan beside it), current or not; None if none."""
    folder = ws.plan_dir(stack)
    if not (folder / "meta.json").is_file() or not (folder / "tfplan").is_file():
        return None
    return StackPlan(**json.loads((folder / "meta.json").read_text()))


def write_plan(ws: Workspace, plan: StackPlan) -> None:
    """Save the gated plan's meta.json beside its tfplan."""
    (ws.plan_dir(plan.stack) / "meta.json").write_text(json.dumps(asdict(plan), indent=2))


def saved_plans(ws: Workspace, stacks: list[str]) -> list[str]:
    """Those of `stacks` that have a saved plan (in the given order)."""
    return [s for s in stacks if read_plan(ws, s) is not None]


def current_plan(ws: Workspace, stack: str, destroy: bool = False) -> StackPlan | None:
    """The saved plan of `stack` if it is still current, else None."""
    plan = read_plan(ws, stack)
    if plan is None or plan.key != ws.plan_key(stack, destroy) or plan.destroy != destroy:
        return None
    return plan


def unreviewed(ws: Workspace, stacks: list[str]) -> list[str]:
    """Why each stack cannot be applied from its saved, reviewed plan; [] when all of them can."""
    problems = []
    for stack in stacks:
        plan = read_plan(ws, stack)
        reviewed_json = ws.plan_dir(stack) / "cdk.tf.json"
        if plan is None:
            problems.append(f"{stack}: no reviewed plan in {ws.plan_dir(stack)}")
        elif plan.destroy:
            problems.append(f"{stack}: the saved plan is a destroy plan")
        elif (
            reviewed_json.is_file() and reviewed_json.read_bytes() != (ws.stack_dir(stack) / "cdk.tf.json").read_bytes()
        ):
            problems.append(f"{stack}: the synthesized JSON changed since the reviewed plan")
        elif plan.key != ws.plan_key(stack):
            problems.append(f"{stack}: the target or the state changed since the reviewed plan")
        elif not plan.gate_passed:
            problems.append(f"{stack}: the reviewed plan failed gate 2 ({plan.gate_summary})")
    return problems
