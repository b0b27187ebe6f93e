"""`mlzone predictions query PROJECT "SQL"`: one SELECT over the prediction log (mlzone.predictions)."""

from __future__ import annotations

import csv
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from mlzone.commands.common import ROOT, TARGET, reported
from mlzone.errors import INVALID, Failure
from mlzone.zone_access import ZoneAccess, open_zone

app = typer.Typer(
    help="The prediction log: endpoint captures and batch predictions in one schema.", no_args_is_help=True
)
out = Console()
HTML_OUT = typer.Option(None, "--html", help="Also write an HTML report with plots here.")
SINCE_RE = re.compile(r"([1-9][0-9]{0,3})([hd])")


def since_of(value: str, now: datetime | None = None) -> datetime:
    """`7d` / `12h` → that long before now (UTC)."""
    match = SINCE_RE.fullmatch(value)
    if not match:
        raise typer.BadParameter(f"{value!r} is not a window; fix: write e.g. 7d or 12h")
    amount, unit = int(match[1]), match[2]
    return (now or datetime.now(UTC)) - timedelta(**{"days" if unit == "d" else "hours": amount})


def _select(access: ZoneAccess, project: str, since: datetime, statement: str) -> tuple[list[str], list[tuple]]:
    """A checked SELECT over `project`'s predictions since `since`: DuckDB over the emulator's objects, or on
    AWS in the platform's Athena workgroup (which answers every value as text)."""
    from mlzone import deployments
    from mlzone.predictions import athena
    from mlzone.predictions import query as log_query
    from modules.prediction_log import database_name, workgroup_name

    s3, audit = access.client("s3"), access.bucket("audit")
    if access.local:
        return log_query.local(s3, access.bucket("predictions"), audit, project, since, statement)
    sql = athena.statement(project, since, athena.deploy_intervals(deployments.history(s3, audit, project)), statement)
    platform = access.zone.platform.name
    with out.status(f"Athena query in workgroup {workgroup_name(platform)}"):
        return athena.run(access.client("athena"), workgroup_name(platform), database_name(platform), sql)


@app.command()
@reported
def query(
    project: str = typer.Argument(..., help="Project name."),
    statement: str = typer.Argument(..., help="One SELECT over the table `predictions`."),
    since: str = typer.Option("7d", "--since", help="Only predictions this recent (e.g. 7d, 12h)."),
    root: Path = ROOT,
    target: str = TARGET,
    json_out: bool = typer.Option(False, "--json", help="Print rows as JSON objects."),
    csv_out: bool = typer.Option(False, "--csv", help="Print rows as CSV."),
) -> None:
    """Run one SELECT over PROJECT's predictions (columns: see docs/predictions.md)."""
    from mlzone.predictions.sql import check  # loaded on use: keeps `mlzone` start fast

    start = since_of(since)
    check(statement)
    access = open_zone(root, target)
    access.zone.project(project)
    columns, rows = _select(access, project, start, statement)
    if json_out:
        typer.echo(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], indent=2, default=str))
    elif csv_out:
        writer = csv.writer(sys.stdout, lineterminator="\n")  # a line per row, as shell tools read it
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        table = Table(*columns)
        for r in rows:
            table.add_row(*("" if v is None else str(v) for v in r))
        out.print(table)


@app.command()
@reported
def report(
    project: str = typer.Argument(..., help="Project name."),
    model: str = typer.Argument(..., help="A model of the project (models[].name)."),
    window: str = typer.Option("7d", "--window", help="How far back (e.g. 7d, 12h)."),
    html: Path = HTML_OUT,
    root: Path = ROOT,
    target: str = TARGET,
) -> None:
    """Counts, output distribution and input drift (PSI against the training data) per version of MODEL."""
    from mlzone.predictions import report as log_report  # loaded on use: keeps `mlzone` start fast
    from mlzone.predictions.athena import literal
    from mlzone.predictions.training import training_frame

    start = since_of(window)
    access = open_zone(root, target)
    if model not in {m.name for m in access.zone.project(project).models}:
        raise Failure(f"{model!r} is not a model of project {project!r}; fix: name one of its models", INVALID)
    s3 = access.client("s3")
    columns, found = _select(access, project, start, f"SELECT * FROM predictions WHERE model = {literal(model)}")
    rows = [dict(zip(columns, r, strict=True)) for r in found]
    arns = {str(r["model_version"]): r["model_package_arn"] for r in rows if r["model_package_arn"]}
    training = {v: training_frame(s3, access.client("sagemaker"), arn) for v, arn in arns.items()}
    built = log_report.build(project, model, window, rows, training)
    table = Table("source", "version", "predictions", "mean score", "max PSI (feature)", title=f"{project}/{model}")
    for (source, version), count in sorted(built.by_source.items()):
        view = built.versions[version]
        mean = f"{sum(view.scores) / len(view.scores):.3f}" if view.scores else "-"
        worst = max(view.drift.items(), key=lambda kv: kv[1], default=None)
        table.add_row(source, version, str(count), mean, f"{worst[1]:.3f} ({worst[0]})" if worst else "-")
    out.print(table)
    if html:
        from mlzone.predictions.report_html import write  # matplotlib loads only when a plot is asked for

        out.print(f"HTML report: {write(built, html)}", highlight=False)
