"""Orchestration per stack: init → plan → gate 2 → apply the saved plan; destroy; status.

Plans live in `.mlzone/plans/<stack>/` (`tfplan`, `plan.json`, `meta.json`). A plan is *current* when
the stack's synthesized JSON, the target's variables and the state it was made against are unchanged
(`plan_key`); `plan` skips such stacks and `deploy` applies exactly that gated file. A plan is used
once: it is dropped before its apply starts, so an interrupted apply is re-planned on the next run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlzone import emulator
from mlzone.terraform import (Interrupted, Terraform, TerraformError, TerraformInterrupted, clear_interrupt, find_mirror,
                              run_parallel, write_cli_config)

PLATFORM = "platform"
WORK_DIR = ".mlzone"
LOCAL_STATE = "state"  # .mlzone/state/<stack>.tfstate, see stacks/target.py LOCAL_STATE_DIR

Progress = Callable[[str, str], None]  # (stack, step) -> None: the CLI shows a spinner per stack


def _quiet(stack: str, step: str) -> None:
    """Default progress callback: report nothing."""


@dataclass(frozen=True)
class GateVerdict:
    """Gate 2's answer for one plan."""

    passed: bool
    summary: str  # one line for the table
    details: tuple[str, ...] = ()  # failed checks / change-rule violations, one per line


_GATE_LOCK = threading.Lock()  # checkov runs in-process and is not thread-safe


def gate_plan(plan_json: Path) -> GateVerdict:
    """Gate 2 (mlzone.gate: checkov on the plan JSON + the change rules); findings name construct paths
    through the cdk.tf.json beside the plan. `MLZONE_GATE=report-only` reports without refusing."""
    from mlzone import gate

    with _GATE_LOCK:
        result = gate.run([plan_json])
    details = [f"{f.check_id} {f.path}: {f.message}" for f in result.failed] + result.all_errors
    return GateVerdict(result.ok or result.report_only, result.summary(), tuple(details))


@dataclass(frozen=True)
class Workspace:
    """One project folder (platform.yaml, projects/, cdktf.out/) and one target."""

    root: Path
    target: str = "local"  # local | aws
    emulator_url: str = ""  # the live emulator (local target)
    timeout: int = 1800  # seconds per Terraform step

    @property
    def work(self) -> Path:
        return self.root / WORK_DIR

    @property
    def region(self) -> str:
        from stacks.spec import load_platform

        return load_platform(self.root / "platform.yaml").region

    def stack_dir(self, stack: str) -> Path:
        return self.root / "cdktf.out" / "stacks" / stack

    def stacks(self) -> list[str]:
        """Synthesized stacks, platform first."""
        found = sorted(p.parent.name for p in (self.root / "cdktf.out" / "stacks").glob("*/cdk.tf.json"))
        return sorted(found, key=lambda s: s != PLATFORM)

    def plan_dir(self, stack: str) -> Path:
        return self.work / "plans" / stack

    def terraform(self, stack: str) -> Terraform:
        env = (("TF_VAR_emulator_url", self.emulator_url),) if self.target == "local" else ()
        return Terraform(stack_dir=self.stack_dir(stack), cli_config=write_cli_config(self.work, find_mirror()),
                         env=env, timeout=self.timeout, log_dir=self.work / "logs")

    def interrupted_marker(self, stack: str) -> Path:
        """Present while the stack's last apply was stopped by Ctrl-C (see untaint_interrupted)."""
        return self.work / "interrupted" / stack

    def local_state(self, stack: str) -> Path:
        return self.work / LOCAL_STATE / f"{stack}.tfstate"

    def reset_local_state(self) -> None:
        """A fresh emulator holds nothing: drop local state and plans made against an older one."""
        for folder in (self.work / LOCAL_STATE, self.work / "plans", self.work / "interrupted"):
            shutil.rmtree(folder, ignore_errors=True)

    def check_local_states(self) -> None:
        """Raise StateError naming the first local state file that is not a readable Terraform state."""
        for state in sorted((self.work / LOCAL_STATE).glob("*.tfstate")):
            read_state(state)

    def plan_key(self, stack: str, destroy: bool = False) -> str:
        """Hash of what a plan depends on: synthesized JSON, target variables, state it was made against."""
        digest = hashlib.sha256()
        digest.update((self.stack_dir(stack) / "cdk.tf.json").read_bytes())
        digest.update(json.dumps([self.target, self.emulator_url, destroy]).encode())
        for depends in sorted({stack, PLATFORM}):  # project stacks read the platform's outputs
            state = self.local_state(depends)
            if state.is_file():
                doc = read_state(state)
                digest.update(f"{depends}:{doc.get('lineage')}:{doc.get('serial')}".encode())
        return digest.hexdigest()


class StateError(TerraformError):
    """A local state file that Terraform could not use; the message names it and the way back."""


def read_state(path: Path) -> dict[str, Any]:
    """A local Terraform state as JSON; StateError for an empty, truncated or non-JSON file.

    Terraform reads an empty state file as "nothing deployed" (and would create everything again) and
    reports a truncated one with its details cut off, so both are refused here, before Terraform runs."""
    data = path.read_bytes()
    try:
        doc = json.loads(data) if data.strip() else None
    except ValueError as exc:
        problem = f"not valid JSON ({exc.msg} at byte {exc.pos} of {len(data)}: truncated?)"
    else:
        if isinstance(doc, dict):
            return doc
        problem = f"empty ({len(data)} bytes)" if doc is None else "not a JSON object"
    backup = path.with_name(path.name + ".backup")
    way_back = (f"Terraform keeps the state before its last write in {backup}; fix: check it and restore it "
                f"(`cp {backup} {path}`), then plan again (a resource created after that backup must be imported)"
                if backup.is_file() else
                "there is no backup next to it; fix: if the emulator holds nothing you need, `mlzone stop` and deploy "
                "again (a fresh emulator starts from an empty state)")
    raise StateError(f"{path} is not a readable Terraform state: {problem}; {way_back}")


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
    unsupported: list[str] = field(default_factory=list)  # resources the emulator cannot run, with why
    retained: list[str] = field(default_factory=list)  # destroy: resources released from state, not deleted
    untainted: list[str] = field(default_factory=list)  # left tainted by an interrupted apply, untainted
    reused: bool = False  # the current plan was kept (stack unchanged)
    destroy: bool = False
    key: str = ""

    @property
    def no_changes(self) -> bool:
        return not (self.adds or self.changes or self.destroys)


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


def current_plan(ws: Workspace, stack: str, destroy: bool = False) -> StackPlan | None:
    """The saved plan of `stack` if it is still current, else None."""
    meta = ws.plan_dir(stack) / "meta.json"
    if not meta.is_file() or not (ws.plan_dir(stack) / "tfplan").is_file():
        return None
    plan = StackPlan(**json.loads(meta.read_text()))
    return plan if plan.key == ws.plan_key(stack, destroy) and plan.destroy == destroy else None


def plan_stack(ws: Workspace, stack: str, destroy: bool = False, progress: Progress = _quiet,
               reviewed_only: bool = False) -> StackPlan:
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
        raise TerraformError(f"stack {stack}, step plan: refused, no current reviewed plan (--reviewed-only never plans)")
    tf = ws.terraform(stack)
    folder = ws.plan_dir(stack)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copy(ws.stack_dir(stack) / "cdk.tf.json", folder)  # what was planned; gate 2 maps findings with it
    progress(stack, "init")
    tf.init()
    untainted = untaint_interrupted(ws, tf)
    retained = release_retained(tf) if destroy else []
    progress(stack, "plan")
    plan_json = tf.plan(folder / "tfplan", destroy=destroy)
    doc = json.loads(plan_json.read_text())
    adds, changes, destroys = count_changes(doc)
    progress(stack, "gate")
    verdict = gate_plan(plan_json)
    unsupported = unsupported_on_emulator(doc) if ws.target == "local" else []
    result = StackPlan(stack=stack, adds=adds, changes=changes, destroys=destroys, gate_passed=verdict.passed,
                       gate_summary=verdict.summary, gate_details=list(verdict.details), unsupported=unsupported,
                       retained=retained, untainted=untainted, destroy=destroy, key=ws.plan_key(stack, destroy))
    (folder / "meta.json").write_text(json.dumps(asdict(result), indent=2))
    return result


def apply_stack(ws: Workspace, plan: StackPlan, progress: Progress = _quiet) -> None:
    """Apply exactly the saved, gated plan of one stack (refused when the gate failed)."""
    if not plan.gate_passed:
        raise TerraformError(f"stack {plan.stack}, step gate: refused, the plan failed gate 2: {plan.gate_summary}")
    folder = ws.plan_dir(plan.stack)
    (folder / "meta.json").unlink()  # used once: an interrupted apply must be re-planned
    if plan.no_changes:
        return
    progress(plan.stack, "destroy" if plan.destroy else "apply")
    try:
        ws.terraform(plan.stack).apply(folder / "tfplan")
    except TerraformInterrupted:
        ws.interrupted_marker(plan.stack).parent.mkdir(parents=True, exist_ok=True)
        ws.interrupted_marker(plan.stack).touch()
        raise


def untaint_interrupted(ws: Workspace, tf: Terraform) -> list[str]:
    """After an apply stopped by Ctrl-C, untaint what it left tainted; return those addresses.

    Terraform taints a resource whose create was cut short, so the next plan would replace it (and gate 2
    refuses replacing keys and audit buckets): the create call itself succeeded, and this plan's refresh
    reads the resource as it is, so whatever differs from the configuration is planned as a change."""
    marker = ws.interrupted_marker(tf.stack)
    if not marker.is_file():
        return []
    state = json.loads(tf.run("show", "-json", "-no-color", log_as="show-state").stdout or "{}")
    tainted = [r["address"] for r in state_resources(state) if r.get("tainted")]
    for address in tainted:
        tf.run("untaint", address, log_as="untaint")
    marker.unlink()
    return tainted


@dataclass
class StackOutcome:
    """What happened to one stack in a plan/deploy/destroy run."""

    stack: str
    plan: StackPlan | None = None
    applied: bool = False
    error: str = ""  # names the stack, the step and Terraform's error
    seconds: float = 0.0
    interrupted: bool = False  # Ctrl-C stopped it (error says where)

    @property
    def result(self) -> str:
        return "failed" if self.error else "applied" if self.applied else "planned"


def _run_one(ws: Workspace, stack: str, apply: bool, destroy: bool, progress: Progress,
             reviewed_only: bool = False) -> StackOutcome:
    started = time.monotonic()
    outcome = StackOutcome(stack)
    try:
        outcome.plan = plan_stack(ws, stack, destroy=destroy, progress=progress, reviewed_only=reviewed_only)
        if apply:
            apply_stack(ws, outcome.plan, progress=progress)
            outcome.applied = True
    except TerraformError as exc:
        outcome.error, outcome.interrupted = str(exc), isinstance(exc, TerraformInterrupted)
    outcome.seconds = time.monotonic() - started
    progress(stack, "failed" if outcome.error else "done")
    return outcome


def run_stacks(ws: Workspace, stacks: Iterable[str], apply: bool, destroy: bool = False, parallel: int = 2,
               progress: Progress = _quiet, reviewed_only: bool = False) -> list[StackOutcome]:
    """Plan (and apply) stacks: the platform alone first, then projects `parallel` at a time.

    Destroy runs in the opposite order (projects first). A failed platform stops the projects.
    Ctrl-C interrupts every running Terraform child at once and raises Interrupted (terraform.run_parallel)
    with the outcomes of the stacks that finished.
    """
    stacks = list(stacks)
    first = [s for s in stacks if s == PLATFORM]
    rest = [s for s in stacks if s != PLATFORM]
    waves = [rest, first] if destroy else [first, rest]
    outcomes: list[StackOutcome] = []
    clear_interrupt()
    try:
        for wave in filter(None, waves):
            done = run_parallel(lambda s: _run_one(ws, s, apply, destroy, progress, reviewed_only), wave, parallel)
            outcomes += done
            if apply and any(o.error or (o.plan and not o.plan.gate_passed) for o in done):
                break
    except Interrupted as stop:
        raise Interrupted(stop.stopped, outcomes + stop.results) from None
    return outcomes


def resolve_stacks(ws: Workspace, names: Iterable[str]) -> list[str]:
    """The requested stacks (all synthesized ones when none), validated; platform first."""
    known = ws.stacks()
    names = list(names)
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"unknown stack(s) {', '.join(unknown)}; synthesized stacks: {', '.join(known) or 'none'}")
    return [s for s in known if not names or s in names]


def markdown_summary(outcomes: list[StackOutcome], target: str) -> str:
    """A plan summary usable as a pull-request comment."""
    lines = [f"### mlzone plan ({target})", "", "| stack | add | change | destroy | gate 2 |", "|---|---:|---:|---:|---|"]
    notes = []
    for o in outcomes:
        if o.plan is None:
            lines.append(f"| {o.stack} | | | | error |")
            notes.append(f"**{o.stack}**: {o.error.splitlines()[0] if o.error else 'not planned'}")
            continue
        p = o.plan
        verdict = "passed" if p.gate_passed else "**failed**"
        lines.append(f"| {o.stack} | {p.adds} | {p.changes} | {p.destroys} | {verdict}: {p.gate_summary} |")
        notes += [f"**{o.stack}** gate: {d}" for d in p.gate_details]
        notes += [f"**{o.stack}** not run on the emulator: {u}" for u in p.unsupported]
    return "\n".join(lines + ([""] + [f"- {n}" for n in notes] if notes else [])) + "\n"


def stack_state(ws: Workspace, stack: str) -> dict[str, Any]:
    """The stack's current state as `terraform show -json` prints it ({} when nothing is deployed)."""
    tf = ws.terraform(stack)
    tf.init()
    return json.loads(tf.run("show", "-json", "-no-color", log_as="show-state").stdout or "{}")


def state_resources(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Managed resources of a `terraform show -json` state (root module only: cdktf writes no modules)."""
    return [r for r in state.get("values", {}).get("root_module", {}).get("resources", []) if r["mode"] == "managed"]


@contextlib.contextmanager
def open_workspace(root: Path, target: str, keep: bool = False) -> Iterator[Workspace]:
    """The workspace for one command; on the local target with an emulator (kept, reused or stopped on exit).

    A freshly started emulator holds nothing, so local state and plans of an older one are dropped; the
    state kept for a reused one must be readable (StateError). The caller holds the zone lock
    (mlzone.zonelock), so no other command is using the state being dropped.
    """
    root = root.resolve()
    if target != "local":
        yield Workspace(root, target)
        return
    with emulator.Emulator(root / WORK_DIR, keep=keep) as emu:
        ws = Workspace(root, target, emulator_url=emu.url)
        if not emu.reused:
            ws.reset_local_state()
        ws.check_local_states()
        yield ws


def workspace_status(ws: Workspace) -> list[dict[str, Any]]:
    """Per stack: managed resources in the state, outputs, a pending plan, SageMaker endpoints' status."""
    rows = []
    for stack in ws.stacks():
        state = stack_state(ws, stack)
        resources = state_resources(state)
        pending = current_plan(ws, stack)
        endpoints = {r["values"]["name"]: r["values"].get("arn", "") for r in resources
                     if r["type"] == "aws_sagemaker_endpoint"}
        rows.append({
            "stack": stack,
            "resources": len(resources),
            "outputs": {k: v.get("value") for k, v in state.get("values", {}).get("outputs", {}).items()},
            "pending_plan": "" if pending is None else f"+{pending.adds} ~{pending.changes} -{pending.destroys}",
            "endpoints": endpoint_status(ws, list(endpoints)),
        })
    return rows


def endpoint_status(ws: Workspace, names: list[str]) -> dict[str, str]:
    """EndpointStatus of each named SageMaker endpoint (boto3)."""
    if not names:
        return {}
    from mlzone.verify import clients

    sagemaker = clients(ws.region, ws.emulator_url or None)("sagemaker")
    return {n: sagemaker.describe_endpoint(EndpointName=n)["EndpointStatus"] for n in names}
