"""`mlzone model register|approve|reject|list`: the model registry of a project (docs/lifecycle.md).

Credentials and endpoint come from the environment (`eval "$(mlzone env PROJECT)"` sets them, and the
tracking URI, on both targets). Exit 2: bad input; 3: refused by policy (four eyes, already decided).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import typer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.table import Table

from mlzone.commands.common import ROOT, reported
from mlzone.errors import FAILED, Failure
from mlzone.lifecycle import registry, registry_approval
from mlzone.lifecycle.registry_context import load

app = typer.Typer(help="Register, approve, reject and list model versions.", no_args_is_help=True)
out = Console()
PROJECT = typer.Argument(..., help="Project name.")
MODEL = typer.Argument(..., help="Model name (models[].name in the project spec).")
REASON = typer.Option(..., "--reason", help="Why (at least 20 characters; kept in the audit record).")


def _clients(region: str):
    config = Config(retries={"max_attempts": 2}, connect_timeout=10, read_timeout=60)
    session, cache = boto3.Session(region_name=region), {}  # a fresh session: the credentials of now

    def client(service: str):
        if service not in cache:
            cache[service] = session.client(service, config=config)
        return cache[service]

    return client


def _run(body):
    try:
        return body()
    except (BotoCoreError, ClientError) as exc:
        raise Failure(f"AWS call failed: {exc}", FAILED) from None


@app.command()
@reported
def register(
    project: str = PROJECT,
    model: str = MODEL,
    run: str = typer.Option(None, "--run", help="MLflow run id (its `model` artifact)."),
    model_uri: str = typer.Option(None, "--model-uri", help="An MLflow model URI instead of --run."),
    image_tag: str = typer.Option(None, "--image-tag", help="Serving image tag; default the newest image."),
    root: Path = ROOT,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Register a run's MLflow model as a new PendingManualApproval version of PROJECT--MODEL."""

    def body():
        ctx = load(root, project)
        source = registry.Source(run_id=run, model_uri=model_uri)
        source.uri()
        stand_in = bool(os.environ.get("AWS_ENDPOINT_URL"))  # the local emulator: no image builds there
        return registry.register(ctx, model, source, _clients(ctx.region), image_tag, stand_in)

    found = _run(body)
    if json_out:
        typer.echo(json.dumps(found, indent=2))
    else:
        out.print(
            f"registered {found['arn']} (PendingManualApproval)\n  artifact {found['artifact']}\n"
            f"  image {found['lineage']['mlzone:image_digest']}\n"
            f"  next: mlzone model approve {project} {model} {found['version']} --reason '…'",
            highlight=False,
        )


def _decide(decision: str, project: str, model: str, version: int, reason: str, root: Path) -> None:
    def body():
        registry_approval.check_reason(reason)
        ctx = load(root, project)
        return registry_approval.decide(ctx, model, version, decision, reason, _clients(ctx.region))

    record = _run(body)
    out.print(
        f"{record['decision']} {record['model_package_arn']} by {record['caller_arn']}\n"
        f"  record {record['record_uri']}",
        highlight=False,
    )


@app.command()
@reported
def approve(
    project: str = PROJECT,
    model: str = MODEL,
    version: int = typer.Argument(..., help="Version number."),
    reason: str = REASON,
    root: Path = ROOT,
) -> None:
    """Approve a pending version (named approvers only; never the identity that registered it)."""
    _decide("approve", project, model, version, reason, root)


@app.command()
@reported
def reject(
    project: str = PROJECT,
    model: str = MODEL,
    version: int = typer.Argument(..., help="Version number."),
    reason: str = REASON,
    root: Path = ROOT,
) -> None:
    """Reject a pending version (named approvers only; never the identity that registered it)."""
    _decide("reject", project, model, version, reason, root)


@app.command("list")
@reported
def list_(
    project: str = PROJECT,
    model: str = typer.Argument(None, help="One model; default all."),
    root: Path = ROOT,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Versions of the project's models: status, registered by, decided by, endpoints serving them."""

    def body():
        ctx = load(root, project)
        return registry.versions(ctx, model, _clients(ctx.region))

    rows = _run(body)
    if json_out:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("model", "version", "status", "registered by", "decided by", "deployed to")
    for r in rows:
        table.add_row(
            r["model"],
            str(r["version"]),
            r["status"],
            r["registered_by"],
            r["decided_by"] or "-",
            ", ".join(r["deployed_to"]) or "-",
        )
    out.print(table)
