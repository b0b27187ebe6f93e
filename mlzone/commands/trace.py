"""`mlzone trace ID`: print the chain behind one prediction (mlzone.trace)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from mlzone.commands.common import JSON_OUT, ROOT, TARGET, reported
from mlzone.trace import Link, Sources, trace
from mlzone.zone_access import open_zone

out = Console()


def _hour(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H").replace(tzinfo=UTC)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an hour; fix: write it as YYYY-MM-DDTHH (UTC)") from None


def _run_facts(access: Any) -> Any:
    from mlflow import MlflowClient

    def run(project: str, run_id: str) -> dict[str, Any]:
        data = MlflowClient(access.tracking_url(project)).get_run(run_id).data
        return {"params": data.params, "metrics": data.metrics}

    return run


def _print(links: list[Link]) -> None:
    for link in links:
        if link.missing:
            out.print(f"[bold red]✗ {link.name}[/]: missing — {link.missing}", highlight=False)
            continue
        out.print(f"[bold green]✓ {link.name}[/]", highlight=False)
        for key, value in link.facts.items():
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            out.print(f"    {key}: {text}", highlight=False, soft_wrap=True)


@reported
def command(
    record_id: str = typer.Argument(..., help="An inference id, a capture event id or a batch prediction id."),
    at: str = typer.Option(
        None, "--at", help="The prediction's hour, YYYY-MM-DDTHH (UTC), for ids that carry no time."
    ),
    root: Path = ROOT,
    target: str = TARGET,
    json_out: bool = JSON_OUT,
) -> None:
    """Trace one prediction to its deploy, model version, approval and training run."""
    hour = _hour(at)
    access = open_zone(root, target)
    src = Sources(
        s3=access.client("s3"),
        sagemaker=access.client("sagemaker"),
        capture_bucket=access.bucket("predictions"),
        audit_bucket=access.bucket("audit"),
        endpoints=access.endpoints(),
        batch_jobs=access.batch_jobs(),
        mlflow_run=_run_facts(access),
    )
    links = trace(src, record_id, hour)
    if json_out:
        typer.echo(
            json.dumps(
                [{"link": x.name, "facts": x.facts, "missing": x.missing or None} for x in links], indent=2, default=str
            )
        )
    else:
        _print(links)
    if any(link.missing for link in links):
        raise typer.Exit(1)
