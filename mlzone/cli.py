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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

import mlzone  # noqa: F401  (environment for jsii before cdktf loads)
from mlzone import gate as policy_gate
from mlzone import render, report
from mlzone.commands.common import (
    CHANGED_SINCE,
    CLASSIFICATION,
    EPHEMERAL,
    JSON_OUT,
    NO_SYNTH,
    PARALLEL,
    ROOT,
    STACKS,
    TARGET,
    VERBOSE,
    ClassificationChoice,
    TargetChoice,
)
from mlzone.orchestrate import inspect, run
from mlzone.orchestrate.failure import Failure, guarded
from mlzone.orchestrate.run import Mode, RunOptions

app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)


def _dispatch(command: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """End the command with its Failure's message and code; with `command`, hold the zone's lock
    (mlzone.orchestrate.failure.guarded) while it runs."""

    def wrap(body: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(body)
        def dispatched(*args: Any, **kwargs: Any) -> Any:
            try:
                if command is None:
                    return body(*args, **kwargs)
                target = kwargs.get("target") or TargetChoice.local
                with guarded(kwargs.get("root") or Path("."), command, target.value):
                    return body(*args, **kwargs)
            except Failure as failure:
                if failure.message:
                    render.error(failure.message)
                raise typer.Exit(failure.code) from None

        return dispatched

    return wrap


def _options(mode: Mode, root: Path, target: TargetChoice, stacks: list[str] | None, **rest: Any) -> RunOptions:
    return RunOptions(root=root, mode=mode, target=target.value, stacks=tuple(stacks or ()), **rest)


@app.command()
@_dispatch("synth")
def synth(root: Path = ROOT, target: TargetChoice = TARGET) -> None:
    """Validate the specs and synthesize every stack to cdktf.out/stacks/<stack>/cdk.tf.json."""
    raise typer.Exit(run.synth_entry(root, target.value))


@app.command()
def schema(out_dir: Path = typer.Option(None, "--out", help="Write <kind>.schema.json files here.")) -> None:
    """Print (or write) the JSON Schemas of platform.yaml and projects/*.yaml for editor completion."""
    for path in inspect.schema(out_dir):
        render.line(f"wrote {path}")


@app.command()
@_dispatch("plan")
def plan(
    stacks: list[str] = STACKS,
    root: Path = ROOT,
    target: TargetChoice = TARGET,
    ephemeral: bool = EPHEMERAL,
    no_synth: bool = NO_SYNTH,
    parallel: int = PARALLEL,
    json_out: bool = JSON_OUT,
    verbose: bool = VERBOSE,
    summary: Path = typer.Option(
        Path(".mlzone/plan-summary.md"),
        "--summary",
        help="Markdown summary for a pull-request comment (relative to --root).",
    ),
    changed_since: str = CHANGED_SINCE,
) -> None:
    """Init + plan each stack, run gate 2 on plan.json, print adds/changes/destroys and the verdict.

    Unchanged stacks that already have a current plan are not planned again; with --changed-since REF,
    stacks whose synthesized JSON equals REF's are not planned at all (each skip is printed with why).
    """
    raise typer.Exit(
        run.plan(
            _options(
                Mode.PLAN,
                root,
                target,
                stacks,
                ephemeral=ephemeral,
                synth=not no_synth,
                parallel=parallel,
                json_out=json_out,
                verbose=verbose,
                changed_since=changed_since,
            ),
            summary,
        )
    )


@app.command()
@_dispatch("deploy")
def deploy(
    stacks: list[str] = STACKS,
    root: Path = ROOT,
    target: TargetChoice = TARGET,
    ephemeral: bool = EPHEMERAL,
    no_synth: bool = NO_SYNTH,
    parallel: int = PARALLEL,
    json_out: bool = JSON_OUT,
    verbose: bool = VERBOSE,
    reviewed_only: bool = typer.Option(
        False,
        "--reviewed-only",
        help="Never plan: apply only the saved plans in .mlzone/plans that "
        "are current and passed gate 2 (e.g. a pull request's plan "
        "artifacts); refuse (3), applying nothing, if any stack has none "
        "or its synthesized JSON changed since.",
    ),
    changed_since: str = CHANGED_SINCE,
) -> None:
    """Apply the gated plans (platform first, then projects in parallel), then verify.

    Only saved plan files that passed gate 2 are applied: a stack without a current plan is planned and gated first, and exactly that file is applied. With --reviewed-only nothing is planned: the stacks (named, else changed since --changed-since REF, else those with a saved plan) must each have a current reviewed plan. On the local target the emulator and MLflow stay up afterwards (their addresses are printed) until `mlzone stop`; --ephemeral stops them at the end.
    """
    raise typer.Exit(
        run.deploy(
            _options(
                Mode.DEPLOY,
                root,
                target,
                stacks,
                ephemeral=ephemeral,
                synth=not no_synth,
                parallel=parallel,
                json_out=json_out,
                verbose=verbose,
                reviewed_only=reviewed_only,
                changed_since=changed_since,
            )
        )
    )


@app.command()
@_dispatch("destroy")
def destroy(
    stacks: list[str] = STACKS,
    root: Path = ROOT,
    target: TargetChoice = TARGET,
    ephemeral: bool = EPHEMERAL,
    include_platform: bool = typer.Option(
        False, "--include-platform", help="Also destroy the platform stack (gate 2 still protects audit data and keys)."
    ),
    parallel: int = PARALLEL,
    json_out: bool = JSON_OUT,
    verbose: bool = VERBOSE,
) -> None:
    """Destroy project stacks (a gated destroy plan each); the platform only with --include-platform."""
    raise typer.Exit(
        run.destroy(
            _options(
                Mode.DESTROY,
                root,
                target,
                stacks,
                ephemeral=ephemeral,
                synth=False,
                parallel=parallel,
                json_out=json_out,
                verbose=verbose,
                include_platform=include_platform,
            )
        )
    )


@app.command()
@_dispatch("verify")
def verify(root: Path = ROOT, target: TargetChoice = TARGET, json_out: bool = JSON_OUT) -> None:
    """Check with boto3 what is deployed (encryption with our keys, public access blocked, object lock, trail logging, notebooks without direct internet, endpoints InService with data capture)."""
    raise typer.Exit(inspect.verify(root, target.value, json_out))


@app.command()
@_dispatch("status")
def status(root: Path = ROOT, target: TargetChoice = TARGET, json_out: bool = JSON_OUT) -> None:
    """What is deployed per stack (resources and outputs from the state) and the endpoints' status."""
    inspect.status(root, target.value, json_out)


@app.command("env")
@_dispatch()
def env_(
    project: str = typer.Argument(..., help="Project name."),
    root: Path = ROOT,
    target: TargetChoice = TARGET,
    as_user: str = typer.Option(
        None, "--as", help="Local target: act as this IAM user of the emulator (a second identity, four eyes)."
    ),
) -> None:
    """Print the environment a notebook or script of PROJECT needs, as `export` lines: eval "$(mlzone env PROJECT)"."""
    typer.echo(inspect.env(root, target.value, project, as_user), nl=False)


@app.command()
@_dispatch("drift")
def drift(
    stacks: list[str] = STACKS,
    root: Path = ROOT,
    target: TargetChoice = TARGET,
    no_synth: bool = NO_SYNTH,
    parallel: int = PARALLEL,
    json_out: bool = JSON_OUT,
    verbose: bool = VERBOSE,
    report: Path = typer.Option(
        Path(".mlzone/drift-report.md"), "--report", help="Markdown report, e.g. an issue body (relative to --root)."
    ),
) -> None:
    """Plan with refresh every deployed stack (no gate, nothing applied): any planned change is drift.

    Lists each drifted resource by address and construct path, the action a deploy would take and the
    attributes changed outside Terraform. Exit codes: 0 no drift; 1 a stack could not be checked;
    2 invalid input; 4 drift found.
    """
    raise typer.Exit(
        inspect.drift(
            _options(
                Mode.PLAN,
                root,
                target,
                stacks,
                synth=not no_synth,
                parallel=parallel,
                json_out=json_out,
                verbose=verbose,
            ),
            report,
        )
    )


@app.command()
@_dispatch("stop")
def stop(root: Path = ROOT) -> None:
    """Stop the local zone: the emulator a deploy left running and the MLflow server beside it (everything deployed on it is gone)."""
    render.line(inspect.stop(root))


@app.command("new-project")
@_dispatch()
def new_project(
    name: str = typer.Argument(..., help="Project name (lowercase, hyphens)."),
    team: str = typer.Option(..., "--team", help="Owning team (tag)."),
    cost_center: str = typer.Option(..., "--cost-center", help="Cost center (tag), e.g. CC-1234."),
    data_classification: ClassificationChoice = CLASSIFICATION,
    root: Path = ROOT,
) -> None:
    """Scaffold projects/NAME.yaml: a valid project spec with one notebook, ready to edit and review."""
    path = inspect.new_project(
        root, name=name, team=team, cost_center=cost_center, data_classification=data_classification.value
    )
    render.line(f"wrote {path}; next: `mlzone plan {name}`")


@app.command()
@_dispatch()
def bootstrap(
    root: Path = ROOT,
    endpoint_url: str = typer.Option(None, "--endpoint-url", help="S3/KMS endpoint (tests: an emulator)."),
) -> None:
    """aws target: create the Terraform state bucket (versioned, KMS-encrypted, private); idempotent."""
    for step in inspect.bootstrap(root, endpoint_url):
        render.line(f"[green]✓[/] {step}")


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
    try:
        result = policy_gate.run(paths)
    except FileNotFoundError as exc:
        render.error(str(exc))
        raise typer.Exit(2) from None
    if json_out:
        typer.echo(report.dumps(report.to_json(result)), nl=False)
    else:
        report.print_result(result, render.out, show_excepted=show_excepted)
    if sarif:
        sarif.write_text(report.dumps(report.to_sarif(result)))
    if junit:
        junit.write_text(report.to_junit(result) + "\n")
    if not result.ok:
        raise typer.Exit(1)


# Command groups (mlzone/commands/<group>.py), one `app.add_typer(<group>.app, name="<group>")` line each:
from mlzone.commands import batch as batch_commands  # noqa: E402
from mlzone.commands import erase as erase_command  # noqa: E402
from mlzone.commands import model as model_commands  # noqa: E402
from mlzone.commands import portal as portal_command
from mlzone.commands import predictions as predictions_commands  # noqa: E402
from mlzone.commands import request as request_cmd  # noqa: E402
from mlzone.commands import trace as trace_command
from mlzone.serving.invoke import invoke  # noqa: E402

app.add_typer(batch_commands.app, name="batch")
app.add_typer(model_commands.app, name="model")
app.add_typer(predictions_commands.app, name="predictions")
app.command("trace")(trace_command.command)
app.command("erase")(erase_command.command)
app.command("portal")(portal_command.command)
app.command("invoke")(invoke)
app.command("request")(request_cmd.request)
app.command("release")(request_cmd.release)
