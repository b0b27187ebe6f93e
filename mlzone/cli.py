"""The `mlzone` command line: synth → gate 1 → plan → gate 2 → apply → verify.

Exit codes: 0 success;
1 a step failed (Terraform, gate 1, a verify check), another mlzone command holds the zone's lock, or
a local state file is unreadable;
2 invalid input (spec, flags, unknown stack);
3 refused (a plan failed gate 2, the platform stack needs --include-platform, or --reviewed-only
found a stack without a current reviewed plan);
4 drift found (`mlzone drift`: a deployed stack differs from its configuration);
130 interrupted (Ctrl-C: every running Terraform step is interrupted at once; what happened to each
stack is printed).
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console

import mlzone  # noqa: F401  (environment for jsii before cdktf loads)
from stacks.spec import SpecError, json_schemas

app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)
err = Console(stderr=True)
out = Console()

ROOT = typer.Option(Path("."), "--root", help="Folder holding platform.yaml and projects/.")
TARGET = typer.Option("local", "--target", help="local (emulator) or aws.")
JSON_OUT = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables.")
VERBOSE = typer.Option(False, "-v", "--verbose", help="Print Terraform log paths and full errors.")
KEEP = typer.Option(False, "--keep", help="local target: leave the emulator running for later commands.")
NO_SYNTH = typer.Option(False, "--no-synth", help="Use cdktf.out as it is (skip synth and gate 1).")
PARALLEL = typer.Option(2, "--parallel", min=1, help="Project stacks planned/applied at the same time.")
STACKS = typer.Argument(None, help="Stacks to act on (default: all synthesized stacks).")
CHANGED_SINCE = typer.Option(None, "--changed-since", metavar="REF",
                             help="Only stacks whose synthesized JSON differs from the Git ref REF's "
                                  "(REF is synthesized in a temporary worktree); new stacks count as changed.")


def _locked(command: str):
    """Run the command holding the zone's lock (mlzone.zonelock), taken before anything else: a second
    command in the same folder is refused at once (exit 1), naming the first. An unreadable local state
    (deploy.StateError) ends it with exit 1, naming the file and the way back; Ctrl-C with exit 130."""

    def wrap(body):
        @functools.wraps(body)
        def locked(*args, **kwargs):
            from mlzone.deploy import WORK_DIR, StateError
            from mlzone.zonelock import ZoneBusy, zone_lock

            root = kwargs.get("root") or Path(".")
            try:
                with zone_lock(root.resolve() / WORK_DIR, f"mlzone {command}", kwargs.get("target") or "local"):
                    return body(*args, **kwargs)
            except ZoneBusy as exc:
                raise _fail(f"refused, nothing was done: {exc}", 1) from None
            except StateError as exc:
                raise _fail(str(exc), 1) from None
            except KeyboardInterrupt:  # outside the parallel Terraform steps (those end in _interrupted)
                raise _fail("interrupted (Ctrl-C) while no apply was running; re-run the command to finish it",
                            130) from None

        return locked

    return wrap


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def synth_entry(root: Path, target: str | None = None, console: Console = out) -> int:
    """Synthesize (the body of `python main.py` and `mlzone synth`); returns the exit code.
    The target is `--target`, else `MLZONE_TARGET` (so `cdktf synth` can choose it), else local.
    Each synthesized stack is reported on `console` (stderr before plan/deploy, whose stdout may be --json)."""
    from mlzone.gate import GateError
    from mlzone.synth import synthesize
    from stacks.target import Target

    try:
        stacks = synthesize(root, target=Target(kind=target) if target else Target.from_env())
    except KeyboardInterrupt:
        err.print("[bold red]error:[/] interrupted (Ctrl-C) during synth; nothing was planned or applied",
                  highlight=False, soft_wrap=True)
        return 130
    except SpecError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    except GateError as exc:  # the findings are printed by the gate, by construct path
        err.print(f"[bold red]error:[/] {exc}; fix the resources above or add a reasoned exception "
                  "(policies/README.md)", highlight=False, soft_wrap=True)
        return 1
    for stack in stacks:
        console.print(f"synthesized {stack.name}: {stack / 'cdk.tf.json'}", highlight=False, soft_wrap=True)
    return 0


@app.command()
@_locked("synth")
def synth(root: Path = ROOT, target: str = TARGET) -> None:
    """Validate the specs and synthesize every stack to cdktf.out/stacks/<stack>/cdk.tf.json."""
    _check_target(target)
    code = synth_entry(root, target)
    if code:
        raise typer.Exit(code)


@app.command()
def schema(out_dir: Path = typer.Option(None, "--out", help="Write <kind>.schema.json files here.")) -> None:
    """Print (or write) the JSON Schemas of platform.yaml and projects/*.yaml for editor completion."""
    schemas = json_schemas()
    if out_dir is None:
        typer.echo(json.dumps(schemas, indent=2))
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    for kind, body in schemas.items():
        (out_dir / f"{kind}.schema.json").write_text(json.dumps(body, indent=2) + "\n")
        out.print(f"wrote {out_dir / f'{kind}.schema.json'}")


# --------------------------------------------------------------------------- plan / deploy / destroy
# The work is in mlzone.deploy / mlzone.verify / mlzone.bootstrap; these commands parse flags and print.


def _check_target(target: str) -> None:
    if target not in ("local", "aws"):
        raise _fail(f"--target {target!r} is not a target; fix: use local or aws", 2)


def _prepare(root: Path, target: str, no_synth: bool) -> None:
    """Synthesize (gate 1 runs inside) unless told not to."""
    _check_target(target)
    if no_synth:
        return
    with err.status("synthesizing (gate 1)…"):
        code = synth_entry(root, target, console=err)
    if code:
        raise typer.Exit(code)


def _changed_only(root: Path, target: str, stacks: list[str] | None, ref: str):
    """The requested stacks (default all) minus those unchanged since `ref`; prints each one's reason."""
    from mlzone.changes import ChangesError, changed_since

    with err.status(f"synthesizing {ref} to find the changed stacks…"):
        try:
            changes = changed_since(root, ref, target)
        except ChangesError as exc:
            raise _fail(f"--changed-since {ref}: {exc}", 2) from None
    for line in changes.lines():
        err.print(f"[cyan]changed-since[/] {line}", highlight=False, soft_wrap=True)
    return [s for s in (stacks or list(changes.changed)) if s not in changes.unchanged], changes


def _run(root: Path, target: str, keep: bool, stacks: list[str] | None, apply: bool, destroy: bool,
         parallel: int, json_out: bool, verbose: bool, only_projects: bool = False,
         reviewed_only: bool = False) -> tuple[list, list]:
    """Run plan/apply over the stacks with spinners (and verify after a deploy); print the table and
    checklist, or with --json one document {"stacks": [...], "verify": [...]}; return both lists."""
    from mlzone import deploy

    with deploy.open_workspace(root, target, keep) as ws:
        try:
            names = deploy.resolve_stacks(ws, stacks or [])
        except ValueError as exc:
            raise _fail(str(exc), 2) from None
        if only_projects:
            names = [n for n in names if n != deploy.PLATFORM]
        if reviewed_only:
            names = _reviewed(ws, names if stacks else [n for n in names if (ws.plan_dir(n) / "meta.json").is_file()])
        if not names:
            raise _fail("no stacks to act on; fix: run `mlzone synth` or name a stack", 2)
        outcomes = _with_spinners(lambda progress: deploy.run_stacks(
            ws, names, apply=apply, destroy=destroy, parallel=parallel, progress=progress,
            reviewed_only=reviewed_only), names, json_out)
        _print_outcomes(outcomes, target, verbose, json_out)
        checks = _verify(ws, json_out) if apply and not destroy and not _failed(outcomes) else []
    if json_out:
        typer.echo(json.dumps({"stacks": [asdict(o) for o in outcomes], "verify": [asdict(c) for c in checks]},
                              indent=2))
    return outcomes, checks


def _reviewed(ws, names: list[str]) -> list[str]:
    """`names` if each has a current saved plan that passed gate 2; else refuse (3), naming the stacks."""
    from mlzone.changes import unreviewed

    if not names:
        raise _fail(f"no reviewed plans in {ws.work / 'plans'}; fix: restore the reviewed pull request's plan "
                    "artifacts (.mlzone/plans)", 3)
    problems = unreviewed(ws, names)
    if problems:
        raise _fail("refused, nothing was applied: " + "; ".join(problems)
                    + "; fix: plan and review these stacks again (a pull request)", 3)
    return names


def _with_spinners(work, names: list[str], quiet: bool):
    """Run `work(progress)` showing one spinner per stack: its Terraform step and elapsed time."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from mlzone.terraform import Interrupted

    columns = (SpinnerColumn(), TextColumn("{task.fields[stack]:<20}"), TextColumn("{task.description:<8}"),
               TimeElapsedColumn())
    with Progress(*columns, console=err, disable=quiet, transient=False) as bar:
        tasks = {n: bar.add_task("waiting", stack=n, total=None, start=False) for n in names}

        def progress(stack: str, step: str) -> None:
            task = tasks[stack]
            if not bar.tasks[task].started:
                bar.start_task(task)
            finished = step in ("done", "failed")
            bar.update(task, description=step, total=1 if finished else None, completed=1 if finished else 0)
            if finished:
                bar.stop_task(task)

        try:
            result = work(progress)
            for task in bar.tasks:
                if not task.finished:
                    bar.update(task.id, description="skipped", total=1, completed=1)
            return result
        except Interrupted as stop:
            raise _interrupted(stop, names) from None


def _interrupted(stop, names: list[str]) -> typer.Exit:
    """Ctrl-C: say what happened to each stack (Terraform's own account of it), exit 130."""
    lines = [s.describe() for s in stop.stopped]
    running = {s.stack for s in stop.stopped}
    for o in stop.results:
        if o.stack in running:
            continue
        if o.interrupted:
            lines.append(o.error.splitlines()[0])
        else:
            lines.append(f"stack {o.stack}: {o.result} before the interrupt")
    finished = running | {o.stack for o in stop.results}
    lines += [f"stack {n}: not started" for n in names if n not in finished]
    if not stop.stopped:
        lines.append("no Terraform step was running")
    return _fail("interrupted (Ctrl-C):\n  " + "\n  ".join(lines) + "\nre-run the same command to converge "
                 "(a plan is used once; the next run plans again from the saved state)", 130)


def _failed(outcomes: list) -> bool:
    return any(o.error or (o.plan and not o.plan.gate_passed) for o in outcomes)


def _print_outcomes(outcomes: list, target: str, verbose: bool, json_out: bool) -> None:
    from rich.table import Table

    if json_out:
        return
    table = Table(title=f"mlzone ({target})")
    for col in ("stack", "add", "change", "destroy", "gate 2", "result", "time"):
        table.add_column(col, justify="right" if col in ("add", "change", "destroy", "time") else "left")
    for o in outcomes:
        p = o.plan
        gate = "-" if p is None else ("[green]passed[/]" if p.gate_passed else "[red]failed[/]")
        result = "[red]failed[/]" if o.error else ("applied" if o.applied else ("plan kept" if p and p.reused else "planned"))
        counts = ("", "", "") if p is None else (str(p.adds), str(p.changes), str(p.destroys))
        table.add_row(o.stack, *counts, gate, result, f"{o.seconds:.0f}s")
    out.print(table)
    for o in outcomes:
        if o.error:
            message = o.error if verbose else "\n".join(o.error.splitlines()[:12])
            err.print("[bold red]error:[/] ", end="")
            err.print(message, highlight=False, soft_wrap=True, markup=False)
        if o.plan:
            for detail in o.plan.gate_details:
                err.print(f"[red]gate 2[/] {o.stack}: {detail}", highlight=False, soft_wrap=True)
            for note in o.plan.unsupported:
                err.print(f"[yellow]skipped on the emulator[/] {o.stack}: {note}", highlight=False, soft_wrap=True)
            for address in o.plan.untainted:
                err.print(f"[yellow]untainted[/] {o.stack}: {address} (its create was cut short by Ctrl-C; this plan "
                          "refreshed it)", highlight=False, soft_wrap=True)
            for address in o.plan.retained:
                err.print(f"[yellow]retained[/] {o.stack}: {address} (keys are never destroyed; see docs/cli.md)",
                          highlight=False, soft_wrap=True)


def _exit_code(outcomes: list, checks: list) -> int:
    if any(o.plan and not o.plan.gate_passed for o in outcomes):
        return 3
    return 1 if any(o.error for o in outcomes) or any(not c.ok for c in checks) else 0


def _require_deployment(root: Path, target: str) -> None:
    """On the local target, what is deployed lives in a kept emulator; without one there is nothing."""
    from mlzone.deploy import WORK_DIR
    from mlzone.emulator import kept_url

    _check_target(target)
    if target == "local" and kept_url(root / WORK_DIR) is None:
        raise _fail("no local emulator is running, so nothing is deployed on the local target; "
                    "fix: `mlzone deploy --keep`", 1)


def _verify(ws, json_out: bool) -> list:
    from mlzone.verify import verify_workspace

    with err.status("verifying with boto3…"):
        checks = verify_workspace(ws)
    if not json_out:
        _print_checks(checks)
    return checks


def _print_checks(checks: list) -> None:
    for c in checks:
        mark = "[green]✓[/]" if c.ok else "[red]✗[/]"
        detail = f" — {c.detail}" if c.detail else ""
        out.print(f"{mark} {c.stack}: {c.name}: {c.resource}{detail}", highlight=False, soft_wrap=True)
    failed = sum(not c.ok for c in checks)
    out.print(f"verify: {len(checks) - failed}/{len(checks)} checks passed", style="red" if failed else "green")


@app.command()
@_locked("plan")
def plan(stacks: list[str] = STACKS, root: Path = ROOT, target: str = TARGET, keep: bool = KEEP,
         no_synth: bool = NO_SYNTH, parallel: int = PARALLEL, json_out: bool = JSON_OUT, verbose: bool = VERBOSE,
         summary: Path = typer.Option(Path(".mlzone/plan-summary.md"), "--summary",
                                      help="Markdown summary for a pull-request comment (relative to --root)."),
         changed_since: str = CHANGED_SINCE) -> None:
    """Init + plan each stack, run gate 2 on plan.json, print adds/changes/destroys and the verdict.

    Unchanged stacks that already have a current plan are not planned again; with --changed-since REF,
    stacks whose synthesized JSON equals REF's are not planned at all (each skip is printed with why).
    """
    from mlzone.deploy import markdown_summary

    _prepare(root, target, no_synth)
    outcomes, changes = [], None
    if changed_since:
        stacks, changes = _changed_only(root, target, stacks, changed_since)
    if changes is None or stacks:
        outcomes, _ = _run(root, target, keep, stacks, apply=False, destroy=False, parallel=parallel,
                           json_out=json_out, verbose=verbose)
    elif json_out:
        typer.echo(json.dumps({"stacks": [], "verify": []}, indent=2))
    text = markdown_summary(outcomes, target)
    if changes is not None:
        text += f"\nChanged since `{changes.ref}`:\n\n" + "".join(f"- {line}\n" for line in changes.lines())
    path = summary if summary.is_absolute() else root / summary
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if not json_out:
        out.print(f"summary for the pull request: {path}", highlight=False)
    raise typer.Exit(_exit_code(outcomes, []))


@app.command()
@_locked("deploy")
def deploy(stacks: list[str] = STACKS, root: Path = ROOT, target: str = TARGET, keep: bool = KEEP,
           no_synth: bool = NO_SYNTH, parallel: int = PARALLEL, json_out: bool = JSON_OUT,
           verbose: bool = VERBOSE,
           reviewed_only: bool = typer.Option(False, "--reviewed-only",
                                              help="Never plan: apply only the saved plans in .mlzone/plans that "
                                                   "are current and passed gate 2 (e.g. a pull request's plan "
                                                   "artifacts); refuse (3), applying nothing, if any stack has none "
                                                   "or its synthesized JSON changed since."),
           changed_since: str = CHANGED_SINCE) -> None:
    """Apply the gated plans (platform first, then projects in parallel), then verify.

    Only saved plan files that passed gate 2 are applied: a stack without a current plan is planned and gated first, and exactly that file is applied. With --reviewed-only nothing is planned: the stacks (named, else changed since --changed-since REF, else those with a saved plan) must each have a current reviewed plan. On the local target the emulator stops at the end unless --keep.
    """
    _prepare(root, target, no_synth)
    if changed_since:
        stacks, _ = _changed_only(root, target, stacks, changed_since)
        if not stacks:
            out.print(f"no stack changed since {changed_since}; nothing to apply", highlight=False)
            raise typer.Exit(0)
    outcomes, checks = _run(root, target, keep, stacks, apply=True, destroy=False, parallel=parallel,
                            json_out=json_out, verbose=verbose, reviewed_only=reviewed_only)
    raise typer.Exit(_exit_code(outcomes, checks))


@app.command()
@_locked("destroy")
def destroy(stacks: list[str] = STACKS, root: Path = ROOT, target: str = TARGET, keep: bool = KEEP,
            include_platform: bool = typer.Option(False, "--include-platform",
                                                  help="Also destroy the platform stack (gate 2 still protects "
                                                       "audit data and keys)."),
            parallel: int = PARALLEL, json_out: bool = JSON_OUT, verbose: bool = VERBOSE) -> None:
    """Destroy project stacks (a gated destroy plan each); the platform only with --include-platform."""
    from mlzone.deploy import PLATFORM

    _check_target(target)
    if PLATFORM in (stacks or []) and not include_platform:
        raise _fail("the platform stack holds the audit trail and keys; fix: add --include-platform", 3)
    outcomes, _ = _run(root, target, keep, stacks, apply=True, destroy=True, parallel=parallel,
                       json_out=json_out, verbose=verbose, only_projects=not include_platform)
    raise typer.Exit(_exit_code(outcomes, []))


@app.command()
@_locked("verify")
def verify(root: Path = ROOT, target: str = TARGET, json_out: bool = JSON_OUT) -> None:
    """Check with boto3 what is deployed (encryption with our keys, public access blocked, object lock, trail logging, notebooks without direct internet, endpoints InService with data capture)."""
    from mlzone.deploy import open_workspace

    _require_deployment(root, target)
    with open_workspace(root, target, keep=True) as ws:
        checks = _verify(ws, json_out)
    if json_out:
        typer.echo(json.dumps([asdict(c) for c in checks], indent=2))
    raise typer.Exit(1 if not checks or any(not c.ok for c in checks) else 0)


@app.command()
@_locked("status")
def status(root: Path = ROOT, target: str = TARGET, json_out: bool = JSON_OUT) -> None:
    """What is deployed per stack (resources and outputs from the state) and the endpoints' status."""
    from mlzone.deploy import open_workspace, workspace_status

    _require_deployment(root, target)
    with open_workspace(root, target, keep=True) as ws:
        rows = workspace_status(ws)
    if json_out:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"mlzone status ({target})")
    for col in ("stack", "resources", "pending plan", "endpoints", "outputs"):
        table.add_column(col)
    for row in rows:
        endpoints = ", ".join(f"{k}: {v}" for k, v in row["endpoints"].items()) or "-"
        outputs = ", ".join(sorted(row["outputs"])) or "-"
        table.add_row(row["stack"], str(row["resources"]), row["pending_plan"] or "-", endpoints, outputs)
    out.print(table)


@app.command("env")
def env_(project: str = typer.Argument(..., help="Project name."), root: Path = ROOT, target: str = TARGET) -> None:
    """Print the environment a notebook or script of PROJECT needs, as `export` lines: eval "$(mlzone env PROJECT)"."""
    from mlzone.deploy import open_workspace
    from mlzone.environment import EnvError, read

    _require_deployment(root, target)
    with open_workspace(root, target, keep=True) as ws:
        try:
            found = read(ws, project)
        except EnvError as exc:
            raise _fail(str(exc), 2 if exc.bad_input else 1) from None
    typer.echo(found.exports(), nl=False)


@app.command()
@_locked("drift")
def drift(stacks: list[str] = STACKS, root: Path = ROOT, target: str = TARGET, no_synth: bool = NO_SYNTH,
          parallel: int = PARALLEL,
          json_out: bool = JSON_OUT, verbose: bool = VERBOSE,
          report: Path = typer.Option(Path(".mlzone/drift-report.md"), "--report",
                                      help="Markdown report, e.g. an issue body (relative to --root).")) -> None:
    """Plan with refresh every deployed stack (no gate, nothing applied): any planned change is drift.

    Lists each drifted resource by address and construct path, the action a deploy would take and the
    attributes changed outside Terraform. Exit codes: 0 no drift; 1 a stack could not be checked;
    2 invalid input; 4 drift found.
    """
    from mlzone import drift as drift_check
    from mlzone.deploy import open_workspace, resolve_stacks
    from mlzone.terraform import Interrupted

    _require_deployment(root, target)
    _prepare(root, target, no_synth)
    with open_workspace(root, target, keep=True) as ws:
        try:
            names = resolve_stacks(ws, stacks or [])
        except ValueError as exc:
            raise _fail(str(exc), 2) from None
        try:
            with err.status(f"planning with refresh: {', '.join(names)}…"):
                results = drift_check.detect(ws, names, parallel)
        except Interrupted as stop:
            raise _interrupted(stop, names) from None
    text = drift_check.markdown_report(results, target)
    path = report if report.is_absolute() else root / report
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if json_out:
        typer.echo(json.dumps([asdict(r) for r in results], indent=2))
    else:
        out.print(text, markup=False, highlight=False, soft_wrap=True)
        for r in results:
            if r.error:
                err.print(r.error if verbose else "\n".join(r.error.splitlines()[:12]), markup=False, soft_wrap=True)
        out.print(f"drift report: {path}", highlight=False)
    raise typer.Exit(1 if any(r.error for r in results) else 4 if any(r.items for r in results) else 0)


@app.command()
@_locked("stop")
def stop(root: Path = ROOT) -> None:
    """Stop the local emulator a command left running with --keep (everything deployed on it is gone)."""
    from mlzone.deploy import WORK_DIR
    from mlzone.emulator import stop_kept

    result = stop_kept(root / WORK_DIR)
    out.print({"stopped": "stopped the local emulator", "none": "no local emulator was kept",
               "stale": f"{WORK_DIR}/emulator.json named no running mlzone emulator (verified by command line and "
                        "token): removed it, signalled nothing"}[result], highlight=False)


@app.command("new-project")
def new_project(name: str = typer.Argument(..., help="Project name (lowercase, hyphens)."),
                team: str = typer.Option(..., "--team", help="Owning team (tag)."),
                cost_center: str = typer.Option(..., "--cost-center", help="Cost center (tag), e.g. CC-1234."),
                data_classification: str = typer.Option("internal", "--data-classification",
                                                        help="public, internal, confidential or restricted."),
                root: Path = ROOT) -> None:
    """Scaffold projects/NAME.yaml: a valid project spec with one notebook, ready to edit and review."""
    from mlzone.scaffold import write_project

    try:
        path = write_project(root, name=name, team=team, cost_center=cost_center,
                             data_classification=data_classification)
    except (SpecError, FileExistsError) as exc:
        raise _fail(str(exc), 2) from None
    out.print(f"wrote {path}; next: `mlzone plan {name}`", highlight=False)


@app.command()
def bootstrap(root: Path = ROOT,
              endpoint_url: str = typer.Option(None, "--endpoint-url", help="S3/KMS endpoint (tests: an emulator).")) -> None:
    """aws target: create the Terraform state bucket (versioned, KMS-encrypted, private); idempotent."""
    from mlzone.bootstrap import bootstrap_state_bucket
    from mlzone.verify import clients
    from stacks.spec import load_platform
    from stacks.target import state_key_alias

    try:
        platform = load_platform(root / "platform.yaml")
    except SpecError as exc:
        raise _fail(str(exc), 2) from None
    if platform.state_bucket is None:
        raise _fail("platform.yaml has no state_bucket; fix: add state_bucket: <globally unique name>", 2)
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        steps = bootstrap_state_bucket(clients(platform.region, endpoint_url), platform.state_bucket, platform.region,
                                       state_key_alias(platform))
    except (BotoCoreError, ClientError) as exc:
        raise _fail(f"bootstrap of s3://{platform.state_bucket} failed: {exc}", 1) from None
    for step in steps:
        out.print(f"[green]✓[/] {step}", highlight=False)


@app.command()
def gate(
    paths: list[Path] = typer.Argument(..., help="cdk.tf.json / plan JSON files, or folders holding them."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
    sarif: Path = typer.Option(None, "--sarif", help="Also write SARIF 2.1.0 (code scanning) to this file."),
    junit: Path = typer.Option(None, "--junit", help="Also write JUnit XML (CI test reports) to this file."),
    show_excepted: bool = typer.Option(False, "--show-excepted", help="List findings covered by exceptions too."),
) -> None:
    """Policy gate on synthesized stacks and plans: checkov (built-in AWS + policies/checks), plan change
    rules, policies/exceptions.yaml.

    Exit codes: 0 every file passed; 1 a check failed without a valid exception, a file could not be
    parsed, zero checks ran, or an exception is expired/invalid; 2 a path does not exist.
    MLZONE_GATE=report-only does not apply here: this command always reports the real verdict.
    """
    from mlzone import gate as policy_gate
    from mlzone import report

    try:
        result = policy_gate.run(paths)
    except FileNotFoundError as exc:
        raise _fail(str(exc), 2) from None
    if json_out:
        typer.echo(report.dumps(report.to_json(result)), nl=False)
    else:
        report.print_result(result, out, show_excepted=show_excepted)
    if sarif:
        sarif.write_text(report.dumps(report.to_sarif(result)))
    if junit:
        junit.write_text(report.to_junit(result) + "\n")
    if not result.ok:
        raise typer.Exit(1)


from mlzone.commands import batch as batch_commands  # noqa: E402
from mlzone.commands import erase as erase_command, portal as portal_command  # noqa: E402
from mlzone.commands import model as model_commands  # noqa: E402
from mlzone.commands import predictions as predictions_commands, trace as trace_command  # noqa: E402
from mlzone.serving.invoke import invoke  # noqa: E402

app.add_typer(batch_commands.app, name="batch")
app.add_typer(model_commands.app, name="model")
app.add_typer(predictions_commands.app, name="predictions")
app.command("trace")(trace_command.command)
app.command("erase")(erase_command.command)
app.command("portal")(portal_command.command)
app.command("invoke")(invoke)
from mlzone.commands import request as request_cmd  # noqa: E402

app.command("request")(request_cmd.request)
app.command("release")(request_cmd.release)
