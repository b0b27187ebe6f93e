"""`mlzone batch run PROJECT JOB`: run a batch job's scoring on local Spark against the local zone.

Exit codes: 0 the run succeeded; 1 it failed (its manifest, marked failed, says why) or no local zone is
running; 2 bad input (project, job, version, input location or format), nothing was run.
"""

from __future__ import annotations

from pathlib import Path

import typer

from mlzone.batch.local import FORMATS, plan_run, run_script
from mlzone.clients import clients
from mlzone.commands.common import ROOT, reported
from mlzone.emulator import kept_url
from mlzone.errors import FAILED, Failure
from stacks.spec import load_platform

app = typer.Typer(help=__doc__, no_args_is_help=True)


@app.command("run")
@reported
def run(
    project: str = typer.Argument(..., help="Project name."),
    job: str = typer.Argument(..., help="Batch job name (batch_jobs[].name)."),
    input_path: str = typer.Option(
        None,
        "--input",
        help="Input prefix under the project prefix, or an s3:// URI inside it (default: the job's input_prefix).",
    ),
    fmt: str = typer.Option(
        None,
        "--format",
        help=f"Input format: {', '.join(sorted(set(FORMATS.values())))} (default: from the objects' extensions).",
    ),
    version: int = typer.Option(None, "--version", min=1, help="Model package version (default: the spec's)."),
    root: Path = ROOT,
) -> None:
    """Score JOB's input with its model version on local Spark; prints the manifest's location."""
    url = kept_url(root.resolve() / ".mlzone")
    if url is None:
        raise Failure("no local zone is running; fix: `mlzone deploy` first", FAILED)
    region = load_platform(root / "platform.yaml", root).region
    aws = clients(region, url)
    planned = plan_run(root, project, job, version, input_path, fmt, aws("s3"), aws("sagemaker"), aws("secretsmanager"))
    reply = run_script(planned, url, region)
    typer.echo(f"{reply['status']}: run {planned.run_id}, manifest {reply['manifest']}")
    if reply.get("error"):
        typer.echo(f"error: {reply['error']}", err=True)
    raise typer.Exit(0 if reply["status"] == "succeeded" else 1)
