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

from pathlib import Path

import typer

import mlzone  # noqa: F401  (environment for jsii before cdktf loads)
from mlzone import render
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
from mlzone.commands.dispatch import dispatch, options
from mlzone.orchestrate import run, zone_commands
from mlzone.orchestrate.run import Mode

app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)


@app.command()
@dispatch("synth")
def synth(root: Path = ROOT, target: TargetChoice = TARGET) -> None:
    """Validate the specs and synthesize every stack to cdktf.out/stacks/<stack>/cdk.tf.json."""
    raise typer.Exit(run.synth_entry(root, target.value))


@app.command()
def schema(out_dir: Path = typer.Option(None, "--out", help="Write <kind>.schema.json files here.")) -> None:
    """Print (or write) the JSON Schemas of platform.yaml and projects/*.yaml for editor completion."""
    for path in zone_commands.schema(out_dir):
        render.line(f"wrote {path}")


@app.command()
@dispatch("plan")
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
            options(
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
@dispatch("deploy")
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

    Only saved plan files that passed gate 2 are applied: a stack without a current plan is planned and
    gated first, and exactly that file is applied. With --reviewed-only nothing is planned: the stacks
    (named, else changed since --changed-since REF, else those with a saved plan) must each have a current
    reviewed plan. On the local target the emulator and MLflow stay up afterwards (their addresses are
    printed) until `mlzone stop`; --ephemeral stops them at the end.
    """
    raise typer.Exit(
        run.deploy(
            options(
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
@dispatch("destroy")
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
            options(
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
@dispatch("verify")
def verify(root: Path = ROOT, target: TargetChoice = TARGET, json_out: bool = JSON_OUT) -> None:
    """Check with boto3 what is deployed (encryption with our keys, public access blocked, object lock,
    trail logging, notebooks without direct internet, endpoints InService with data capture)."""
    raise typer.Exit(zone_commands.verify(root, target.value, json_out))


@app.command()
@dispatch("status")
def status(root: Path = ROOT, target: TargetChoice = TARGET, json_out: bool = JSON_OUT) -> None:
    """What is deployed per stack (resources and outputs from the state) and the endpoints' status."""
    zone_commands.status(root, target.value, json_out)


@app.command("env")
@dispatch()
def env_(
    project: str = typer.Argument(..., help="Project name."),
    root: Path = ROOT,
    target: TargetChoice = TARGET,
    as_user: str = typer.Option(
        None, "--as", help="Local target: act as this IAM user of the emulator (a second identity, four eyes)."
    ),
) -> None:
    """Print the environment a notebook or script of PROJECT needs, as `export` lines: eval "$(mlzone env PROJECT)"."""
    typer.echo(zone_commands.env(root, target.value, project, as_user), nl=False)


@app.command()
@dispatch("drift")
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
        zone_commands.drift(
            options(
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
@dispatch("stop")
def stop(root: Path = ROOT) -> None:
    """Stop the local zone: the emulator a deploy left running and the MLflow server beside it
    (everything deployed on it is gone)."""
    render.line(zone_commands.stop(root))


@app.command("new-project")
@dispatch()
def new_project(
    name: str = typer.Argument(..., help="Project name (lowercase, hyphens)."),
    team: str = typer.Option(..., "--team", help="Owning team (tag)."),
    cost_center: str = typer.Option(..., "--cost-center", help="Cost center (tag), e.g. CC-1234."),
    data_classification: ClassificationChoice = CLASSIFICATION,
    root: Path = ROOT,
) -> None:
    """Scaffold projects/NAME.yaml: a valid project spec with one notebook, ready to edit and review."""
    path = zone_commands.new_project(
        root, name=name, team=team, cost_center=cost_center, data_classification=data_classification.value
    )
    render.line(f"wrote {path}; next: `mlzone plan {name}`")


@app.command()
@dispatch()
def bootstrap(
    root: Path = ROOT,
    endpoint_url: str = typer.Option(None, "--endpoint-url", help="S3/KMS endpoint (tests: an emulator)."),
) -> None:
    """aws target: create the Terraform state bucket (versioned, KMS-encrypted, private); idempotent."""
    for step in zone_commands.bootstrap(root, endpoint_url):
        render.line(f"[green]✓[/] {step}")


from mlzone.commands import batch as batch_commands  # noqa: E402
from mlzone.commands import erase as erase_command  # noqa: E402
from mlzone.commands import gate as gate_command  # noqa: E402
from mlzone.commands import model as model_commands  # noqa: E402
from mlzone.commands import portal as portal_command  # noqa: E402
from mlzone.commands import predictions as predictions_commands  # noqa: E402
from mlzone.commands import request as request_cmd  # noqa: E402
from mlzone.commands import trace as trace_command  # noqa: E402
from mlzone.serving.invoke import invoke  # noqa: E402

app.add_typer(batch_commands.app, name="batch")
app.add_typer(model_commands.app, name="model")
app.add_typer(predictions_commands.app, name="predictions")
app.command("gate")(gate_command.command)
app.command("trace")(trace_command.command)
app.command("erase")(erase_command.command)
app.command("portal")(portal_command.command)
app.command("invoke")(invoke)
app.command("request")(request_cmd.request)
app.command("release")(request_cmd.release)
