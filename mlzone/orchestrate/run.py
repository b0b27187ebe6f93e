"""plan / deploy / destroy: synth (gate 1), choose the stacks, run the waves with spinners, verify."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from mlzone import deploy_record, render, tracking
from mlzone.changes import Changes, ChangesError, changed_since
from mlzone.clients import clients
from mlzone.errors import FAILED, INTERRUPTED, INVALID, REFUSED, Failure
from mlzone.gate.findings import GateError
from mlzone.orchestrate.failure import exit_code, interrupted
from mlzone.orchestrate.stack import Recorder, StackOutcome
from mlzone.orchestrate.waves import run_stacks
from mlzone.plans import saved_plans, unreviewed
from mlzone.resolve import Reference, Refused, references, resolve
from mlzone.synth import synthesize
from mlzone.terraform.children import Interrupted
from mlzone.verify import Check, verify_workspace
from mlzone.workspace import Workspace, open_workspace, resolve_stacks
from modules.naming import PLATFORM_STACK
from stacks.spec import SpecError, load_zone
from stacks.target import Target


class Mode(enum.Enum):
    PLAN = "plan"
    DEPLOY = "deploy"
    DESTROY = "destroy"


@dataclass(frozen=True)
class RunOptions:
    """What one plan/deploy/destroy command was asked to do."""

    root: Path
    mode: Mode
    target: str = "local"
    stacks: tuple[str, ...] = ()  # none: every synthesized stack
    synth: bool = True  # synthesize (and gate 1) first; False: use cdktf.out as it is
    ephemeral: bool = False  # local target: stop the emulator this command started
    parallel: int = 2
    json_out: bool = False
    verbose: bool = False
    reviewed_only: bool = False
    include_platform: bool = False  # destroy only
    changed_since: str | None = None


def synth_entry(root: Path, target: str | None = None, console=render.out) -> int:
    """Synthesize (the body of `python main.py` and `mlzone synth`); returns the exit code.
    The target is `--target`, else `MLZONE_TARGET` (so `cdktf synth` can choose it), else local.
    Each synthesized stack is reported on `console` (stderr before plan/deploy, whose stdout may be --json)."""
    try:
        stacks = synthesize(root, target=Target.named(target) if target else Target.from_env())
    except KeyboardInterrupt:
        render.error("interrupted (Ctrl-C) during synth; nothing was planned or applied")
        return INTERRUPTED
    except SpecError as exc:
        render.error(str(exc))
        return INVALID
    except GateError as exc:  # the findings are printed by the gate, by construct path
        render.error(f"{exc}; fix the resources above or add a reasoned exception (policies/README.md)")
        return 1
    for stack in stacks:
        render.line(f"synthesized {stack.name}: {stack / 'cdk.tf.json'}", console)
    return 0


def prepare(opts: RunOptions) -> None:
    """Synthesize (gate 1 runs inside) unless told not to."""
    if not opts.synth:
        return
    with render.status("synthesizing (gate 1)…"):
        code = synth_entry(opts.root, opts.target, console=render.err)
    if code:
        raise Failure("", code)


def changed_only(opts: RunOptions) -> tuple[tuple[str, ...], Changes]:
    """The requested stacks (default all) minus those unchanged since the ref; prints each one's reason."""
    ref = opts.changed_since or ""
    with render.status(f"synthesizing {ref} to find the changed stacks…"):
        try:
            changes = changed_since(opts.root, ref, opts.target)
        except ChangesError as exc:
            raise Failure(f"--changed-since {ref}: {exc}", INVALID) from None
    for line in changes.lines():
        render.line(f"[cyan]changed-since[/] {line}", render.err)
    return tuple(s for s in (opts.stacks or tuple(changes.changed)) if s not in changes.unchanged), changes


def _select(ws: Workspace, opts: RunOptions) -> list[str]:
    try:
        names = resolve_stacks(ws, opts.stacks)
    except ValueError as exc:
        raise Failure(str(exc), INVALID) from None
    if opts.mode is Mode.DESTROY and not opts.include_platform:
        names = [n for n in names if n != PLATFORM_STACK]
    if opts.reviewed_only:
        names = _reviewed(ws, names if opts.stacks else saved_plans(ws, names))
    if not names:
        raise Failure("no stacks to act on; fix: run `mlzone synth` or name a stack", INVALID)
    return names


def _reviewed(ws: Workspace, names: list[str]) -> list[str]:
    """`names` if each has a current saved plan that passed gate 2; else refuse (3), naming the stacks."""
    if not names:
        raise Failure(
            f"no reviewed plans in {ws.work / 'plans'}; fix: restore the reviewed pull request's plan "
            "artifacts (.mlzone/plans)",
            REFUSED,
        )
    problems = unreviewed(ws, names)
    if problems:
        raise Failure(
            "refused, nothing was applied: "
            + "; ".join(problems)
            + "; fix: plan and review these stacks again (a pull request)",
            REFUSED,
        )
    return names


def verify_step(ws: Workspace, json_out: bool) -> list[Check]:
    """The boto3 checks (mlzone.verify), printed unless --json."""
    with render.status("verifying with boto3…"):
        checks = verify_workspace(ws)
    if not json_out:
        render.checks(checks)
    return checks


def check_versions(ws: Workspace, opts: RunOptions) -> dict[Reference, str]:
    """Before any plan: every model version an endpoint or batch job names exists and is Approved (exit 3).
    Returns the ARN of each."""
    zone = load_zone(opts.root)
    if opts.mode is Mode.DESTROY or not references(zone):
        return {}
    sagemaker = clients(zone.platform.region, ws.emulator_url or None)("sagemaker")
    try:
        return resolve(zone, sagemaker, Target.named(opts.target).account_id(zone.platform))
    except Refused as exc:
        raise Failure(f"refused, nothing was planned: {exc}", REFUSED) from None


def deploy_recorder(ws: Workspace, opts: RunOptions, resolved: dict[Reference, str]) -> Recorder | None:
    """Deploy and destroy write a deploy record per applied stack (mlzone.deploy_record); the platform's
    destroy writes none (it holds the audit bucket)."""
    if opts.mode is Mode.PLAN:
        return None
    from botocore.exceptions import BotoCoreError, ClientError

    zone = load_zone(opts.root)
    aws = clients(zone.platform.region, ws.emulator_url or None)
    try:
        facts = deploy_record.gather(ws, zone, opts.mode.value, aws("sts"), resolved)
    except (BotoCoreError, ClientError) as exc:
        raise Failure(
            f"cannot identify the operator for the deploy records (STS): {exc}; fix: credentials", FAILED
        ) from None
    write = deploy_record.recorder(aws("s3"), zone.platform.bucket_name("audit"), facts, ws)
    if opts.mode is Mode.DESTROY:
        return lambda outcome: None if outcome.stack == PLATFORM_STACK else write(outcome)
    return write


def run(opts: RunOptions) -> tuple[list[StackOutcome], list[Check]]:
    """Run plan/apply over the stacks with spinners (and verify after a deploy); print the table and
    checklist, or with --json one document {"stacks": [...], "verify": [...]}; return both lists."""
    with open_workspace(opts.root, opts.target, keep=not opts.ephemeral) as ws:
        resolved = check_versions(ws, opts)
        names = _select(ws, opts)
        record = deploy_recorder(ws, opts, resolved)
        try:
            with render.spinners(names, opts.json_out) as progress:
                outcomes = run_stacks(
                    ws,
                    names,
                    apply=opts.mode is not Mode.PLAN,
                    destroy=opts.mode is Mode.DESTROY,
                    parallel=opts.parallel,
                    progress=progress,
                    reviewed_only=opts.reviewed_only,
                    record=record,
                )
        except Interrupted as stop:
            raise interrupted(stop, names) from None
        if not opts.json_out:
            render.outcomes(outcomes, opts.target, opts.verbose)
        deployed = opts.mode is Mode.DEPLOY and not any(o.stops_the_run for o in outcomes)
        checks = verify_step(ws, opts.json_out) if deployed else []
        if opts.target == "local" and not opts.ephemeral and opts.mode is Mode.DEPLOY:
            mlflow = tracking.kept_url(ws.work)
            render.line(
                f"the local zone stays up: emulator {ws.emulator_url}"
                + (f", MLflow {mlflow}" if mlflow else "")
                + "; `mlzone stop` stops it",
                render.err,
            )
    if opts.json_out:
        render.run_json(outcomes, checks)
    return outcomes, checks


def plan(opts: RunOptions, summary: Path) -> int:
    """`mlzone plan`: gated plans and the markdown summary for the pull request; the exit code."""
    prepare(opts)
    outcomes: list[StackOutcome] = []
    changes = None
    if opts.changed_since:
        stacks, changes = changed_only(opts)
        opts = RunOptions(**{**opts.__dict__, "stacks": stacks})
    if changes is None or opts.stacks:
        outcomes, _ = run(opts)
    elif opts.json_out:
        render.run_json([], [])
    text = render.markdown_summary(outcomes, opts.target)
    if changes is not None:
        text += f"\nChanged since `{changes.ref}`:\n\n" + "".join(f"- {line}\n" for line in changes.lines())
    path = summary if summary.is_absolute() else opts.root / summary
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if not opts.json_out:
        render.line(f"summary for the pull request: {path}")
    return exit_code(outcomes)


def deploy(opts: RunOptions) -> int:
    """`mlzone deploy`: apply the gated plans, then verify; the exit code."""
    prepare(opts)
    if opts.changed_since:
        stacks, _ = changed_only(opts)
        if not stacks:
            render.line(f"no stack changed since {opts.changed_since}; nothing to apply")
            return 0
        opts = RunOptions(**{**opts.__dict__, "stacks": stacks})
    return exit_code(*run(opts))


def destroy(opts: RunOptions) -> int:
    """`mlzone destroy`: gated destroy plans, projects first; the platform only with include_platform."""
    if PLATFORM_STACK in opts.stacks and not opts.include_platform:
        raise Failure("the platform stack holds the audit trail and keys; fix: add --include-platform", REFUSED)
    outcomes, _ = run(opts)
    return exit_code(outcomes)
