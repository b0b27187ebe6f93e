"""Drift detection: a fresh plan with refresh of every deployed stack; any planned change is drift.

Each change names the resource address and its construct path (from cdk.tf.json metadata), the
action a deploy would take, and, when the resource was changed outside Terraform, which attributes.
Drift plans go to `.mlzone/drift/<stack>/` and never replace the reviewed plans in `.mlzone/plans/`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mlzone.gate.inputs import construct_paths
from mlzone.terraform.children import clear_interrupt, run_parallel
from mlzone.terraform.errors import TerraformError, TerraformInterrupted
from mlzone.workspace import Workspace, stack_state, state_resources


@dataclass(frozen=True)
class DriftItem:
    """One resource a deploy would change."""

    address: str  # e.g. aws_s3_bucket.audit_bucket_1A2B3C
    path: str  # construct path, e.g. platform/audit/bucket
    actions: list[str]  # Terraform's planned actions, e.g. ["update"]
    outside: list[str]  # attributes changed outside Terraform ([] when the change comes from the config)


@dataclass
class StackDrift:
    stack: str
    deployed: bool = True
    items: list[DriftItem] = field(default_factory=list)
    error: str = ""
    interrupted: bool = False  # Ctrl-C stopped its plan (error says where)

    @property
    def result(self) -> str:
        return "failed" if self.error else "checked"


def _changed_attributes(change: dict[str, Any]) -> list[str]:
    before, after = change.get("before") or {}, change.get("after") or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def drift_items(plan: dict[str, Any], synth: dict[str, Any]) -> list[DriftItem]:
    """The planned changes of a plan JSON, with construct paths and what changed outside Terraform."""
    paths = construct_paths(synth)
    outside = {d["address"]: _changed_attributes(d["change"]) for d in plan.get("resource_drift", [])}
    return [
        DriftItem(rc["address"], paths.get(rc["address"], ""), rc["change"]["actions"], outside.get(rc["address"], []))
        for rc in plan.get("resource_changes", [])
        if rc["change"]["actions"] not in (["no-op"], ["read"])
    ]


def drift_stack(ws: Workspace, stack: str) -> StackDrift:
    """Plan `stack` with refresh (not gated, never applied); a stack with no resources in its state is skipped."""
    try:
        if not state_resources(stack_state(ws, stack)):
            return StackDrift(stack, deployed=False)
        folder = ws.work / "drift" / stack
        folder.mkdir(parents=True, exist_ok=True)
        plan = json.loads(ws.terraform(stack).plan(folder / "tfplan").read_text())
        synth = json.loads((ws.stack_dir(stack) / "cdk.tf.json").read_text())
        return StackDrift(stack, items=drift_items(plan, synth))
    except TerraformError as exc:
        return StackDrift(stack, error=str(exc), interrupted=isinstance(exc, TerraformInterrupted))


def detect(ws: Workspace, stacks: list[str], parallel: int = 2) -> list[StackDrift]:
    """Drift of each stack, `parallel` at a time (plans only read, so order does not matter)."""
    clear_interrupt()
    return run_parallel(lambda s: drift_stack(ws, s), stacks, parallel)


def markdown_report(results: list[StackDrift], target: str) -> str:
    """The body of the drift issue: one row per drifted resource, then the stacks that could not be checked."""
    drifted = [(r.stack, i) for r in results for i in r.items]
    checked = [r.stack for r in results if r.deployed and not r.error]
    lines = [f"### mlzone drift ({target})", ""]
    if drifted:
        lines += [
            f"**{len(drifted)} resource(s) would be changed by a deploy.** Changed outside Terraform: revert it, "
            "or make the spec say so and deploy through a pull request.",
            "",
            "| stack | resource | construct path | planned action | changed outside Terraform |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {s} | `{i.address}` | `{i.path}` | {', '.join(i.actions)} | {', '.join(i.outside) or '-'} |"
            for s, i in drifted
        ]
    else:
        lines.append("No drift: every deployed stack matches its configuration.")
    lines += ["", f"Checked: {', '.join(checked) or 'none'}."]
    skipped = [r.stack for r in results if not r.deployed]
    if skipped:
        lines.append(f"Not deployed (skipped): {', '.join(skipped)}.")
    lines += [f"- **{r.stack}** could not be checked: {r.error.splitlines()[0]}" for r in results if r.error]
    return "\n".join(lines) + "\n"
