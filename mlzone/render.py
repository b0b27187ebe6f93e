"""Everything mlzone prints: errors, spinners, the outcome and status tables, the verify checklist and
the markdown a pull request or an issue shows. stdout carries results (tables, --json); stderr the rest."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from mlzone.orchestrate.stack import Progress as OnStep
from mlzone.orchestrate.stack import StackOutcome
from mlzone.verify import Check

err = Console(stderr=True)
out = Console()


def error(message: str) -> None:
    """`error: <message>` on stderr, never re-wrapped or highlighted."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)


def line(text: str, console: Console = out) -> None:
    """One plain line (rich markup allowed, no highlighting)."""
    console.print(text, highlight=False, soft_wrap=True)


def dump(doc: Any) -> None:
    """A JSON document on stdout (`--json`)."""
    print(json.dumps(doc, indent=2))


def status(text: str) -> contextlib.AbstractContextManager[Any]:
    """A spinner on stderr with `text` while the block runs."""
    return err.status(text)


@contextlib.contextmanager
def spinners(names: list[str], quiet: bool) -> Iterator[OnStep]:
    """One spinner per stack showing its Terraform step and elapsed time; yields the progress callback.
    Stacks that never started are marked skipped when the block ends normally."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.fields[stack]:<20}"),
        TextColumn("{task.description:<8}"),
        TimeElapsedColumn(),
    )
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

        yield progress
        for task in bar.tasks:
            if not task.finished:
                bar.update(task.id, description="skipped", total=1, completed=1)


def outcomes(found: Sequence[StackOutcome], target: str, verbose: bool) -> None:
    """The summary table (stdout), then each stack's errors and notes (stderr)."""
    table = Table(title=f"mlzone ({target})")
    for col in ("stack", "add", "change", "destroy", "gate 2", "result", "time"):
        table.add_column(col, justify="right" if col in ("add", "change", "destroy", "time") else "left")
    for o in found:
        p = o.plan
        gate = "-" if p is None else ("[green]passed[/]" if p.gate_passed else "[red]failed[/]")
        result = (
            "[red]failed[/]"
            if o.error
            else ("applied" if o.applied else ("plan kept" if p and p.reused else "planned"))
        )
        counts = ("", "", "") if p is None else (str(p.adds), str(p.changes), str(p.destroys))
        table.add_row(o.stack, *counts, gate, result, f"{o.seconds:.0f}s")
    out.print(table)
    for o in found:
        if o.error:
            err.print("[bold red]error:[/] ", end="")
            err.print(o.error if verbose else first_lines(o.error), highlight=False, soft_wrap=True, markup=False)
        if o.record_uri:
            line(f"[cyan]deploy record[/] {o.stack}: {o.record_uri}", err)
        if o.record_error:
            err.print("[bold red]error:[/] ", end="")
            err.print(o.record_error, highlight=False, soft_wrap=True, markup=False)
        if o.plan:
            for detail in o.plan.gate_details:
                line(f"[red]gate 2[/] {o.stack}: {detail}", err)
            for note in o.plan.unsupported:
                line(f"[yellow]skipped on the emulator[/] {o.stack}: {note}", err)
            for address in o.plan.untainted:
                line(
                    f"[yellow]untainted[/] {o.stack}: {address} (its create was cut short by Ctrl-C; this plan "
                    "refreshed it)",
                    err,
                )
            for address in o.plan.adopted:
                line(
                    f"[yellow]adopted[/] {o.stack}: {address} (created when Ctrl-C stopped the apply, but not "
                    "recorded; imported into the state)",
                    err,
                )
            for address in o.plan.unadopted:
                line(
                    f"[yellow]check[/] {o.stack}: {address} (its create was in flight when Ctrl-C stopped the "
                    "apply; if AWS carried it out, a copy outside the state is left: `terraform import` it, "
                    "see docs/cli.md)",
                    err,
                )
            for address in o.plan.retained:
                line(f"[yellow]retained[/] {o.stack}: {address} (keys are never destroyed; see docs/cli.md)", err)


def first_lines(text: str, count: int = 12) -> str:
    """The head of a long error (the rest is in the Terraform log; -v prints it all)."""
    return "\n".join(text.splitlines()[:count])


def run_json(found: Sequence[StackOutcome], checks: Sequence[Check]) -> None:
    """`--json` of plan/deploy/destroy: one document {"stacks": [...], "verify": [...]}."""
    dump({"stacks": [asdict(o) for o in found], "verify": [asdict(c) for c in checks]})


def checks(found: Sequence[Check]) -> None:
    """The verify checklist and its count."""
    for c in found:
        mark = "[green]✓[/]" if c.ok else "[red]✗[/]"
        detail = f" — {c.detail}" if c.detail else ""
        line(f"{mark} {c.stack}: {c.name}: {c.resource}{detail}")
    failed = sum(not c.ok for c in found)
    out.print(f"verify: {len(found) - failed}/{len(found)} checks passed", style="red" if failed else "green")


def status_table(rows: list[dict[str, Any]], target: str) -> None:
    """`mlzone status`: one row per stack."""
    table = Table(title=f"mlzone status ({target})")
    for col in ("stack", "resources", "pending plan", "endpoints", "outputs"):
        table.add_column(col)
    for row in rows:
        endpoints = ", ".join(f"{k}: {v}" for k, v in row["endpoints"].items()) or "-"
        outputs = ", ".join(sorted(row["outputs"])) or "-"
        table.add_row(row["stack"], str(row["resources"]), row["pending_plan"] or "-", endpoints, outputs)
    out.print(table)


def markdown_summary(found: Sequence[StackOutcome], target: str) -> str:
    """A plan summary usable as a pull-request comment."""
    lines = [
        f"### mlzone plan ({target})",
        "",
        "| stack | add | change | destroy | gate 2 |",
        "|---|---:|---:|---:|---|",
    ]
    notes = []
    for o in found:
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
