"""`mlzone gate PATH…`: the policy gate on files given, with its reports (JSON, SARIF, JUnit)."""

from __future__ import annotations

from pathlib import Path

import typer

from mlzone import render, report
from mlzone.gate.runner import run as run_gate


def command(
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
        result = run_gate(paths)
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
