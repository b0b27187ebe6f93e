"""`mlzone predictions query PROJECT "SQL"`: one SELECT over the prediction log (mlzone.predictions)."""

from __future__ import annotations

import csv
import json
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from mlzone.commands.options import ROOT, TARGET
from mlzone.predictions import query as log_query
from mlzone.predictions.sql import QueryError, check
from mlzone.zone_access import NotDeployed, open_zone
from stacks.spec import SpecError

app = typer.Typer(help="The prediction log: endpoint captures and batch predictions in one schema.",
                  no_args_is_help=True)
out, err = Console(), Console(stderr=True)
SINCE_RE = re.compile(r"([1-9][0-9]{0,3})([hd])")


def since_of(value: str, now: datetime | None = None) -> datetime:
    """`7d` / `12h` → that long before now (UTC)."""
    match = SINCE_RE.fullmatch(value)
    if not match:
        raise typer.BadParameter(f"{value!r} is not a window; fix: write e.g. 7d or 12h")
    amount, unit = int(match[1]), match[2]
    return (now or datetime.now(timezone.utc)) - timedelta(**{"days" if unit == "d" else "hours": amount})


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@app.command()
def query(project: str = typer.Argument(..., help="Project name."),
          statement: str = typer.Argument(..., help="One SELECT over the table `predictions`."),
          since: str = typer.Option("7d", "--since", help="Only predictions this recent (e.g. 7d, 12h)."),
          root: Path = ROOT,
          target: str = TARGET,
          json_out: bool = typer.Option(False, "--json", help="Print rows as JSON objects."),
          csv_out: bool = typer.Option(False, "--csv", help="Print rows as CSV.")) -> None:
    """Run one SELECT over PROJECT's predictions (columns: see docs/predictions.md)."""
    start = since_of(since)
    try:
        check(statement)
    except QueryError as exc:
        raise _fail(str(exc), 2) from None
    if target != "local":
        raise _fail("the Athena path is not built yet; fix: query the platform's Athena workgroup directly", 2)
    try:
        access = open_zone(root, target)
        access.project(project)
        columns, rows = log_query.local(access.client("s3"), access.bucket("predictions"), access.bucket("audit"),
                                        project, start, statement)
    except (SpecError, QueryError, ValueError) as exc:
        raise _fail(str(exc), 2) from None
    except NotDeployed as exc:
        raise _fail(str(exc), 1) from None
    if json_out:
        typer.echo(json.dumps([dict(zip(columns, r)) for r in rows], indent=2, default=str))
    elif csv_out:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        table = Table(*columns)
        for r in rows:
            table.add_row(*("" if v is None else str(v) for v in r))
        out.print(table)
