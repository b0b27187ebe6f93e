"""Output formats of the policy gate: a rich table, JSON, SARIF 2.1.0 and JUnit XML."""

from __future__ import annotations

import json
from collections import defaultdict
from xml.etree import ElementTree as ET

from rich.console import Console
from rich.table import Table

from mlzone.gate.findings import Finding, GateResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def print_result(result: GateResult, console: Console, *, show_excepted: bool = False, warnings: bool = True) -> None:
    """Findings by construct path, then errors, warnings and the one-line summary."""
    rows = result.failed + (result.excepted if show_excepted else [])
    if rows:
        table = Table(title="policy findings", show_lines=False, expand=False)
        for column in ("resource (construct path)", "check", "problem", "status"):
            table.add_column(column, overflow="fold")
        for f in sorted(rows, key=lambda f: (f.path, f.check_id)):
            status = f"[yellow]excepted ({f.waiver.ticket})[/]" if f.waiver else "[red]FAILED[/]"
            table.add_row(f.path, f.check_id, f.message, status)
        console.print(table)
    for error in result.all_errors:
        console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
    if warnings:
        for warning in result.warnings:
            console.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    colour = "green" if result.ok else "red"
    console.print(f"[bold {colour}]{result.summary()}[/]", highlight=False, soft_wrap=True)


def print_lines(result: GateResult, console: Console) -> None:
    """One `path: CHECK message` line per failure (no table: lines survive narrow CI logs and grep)."""
    for line in lines(result):
        console.print(f"  [red]{line}[/]", highlight=False, soft_wrap=True)
    console.print(f"[bold red]{result.summary()}[/]", highlight=False, soft_wrap=True)


def lines(result: GateResult) -> list[str]:
    """Plain `path: CHECK message` lines (for exception messages and logs)."""
    return [f"{f.path}: {f.check_id} {f.message}" for f in result.failed] + result.all_errors


def _finding(f: Finding) -> dict:
    return {
        "check_id": f.check_id,
        "name": f.name,
        "stack": f.stack,
        "path": f.path,
        "address": f.address,
        "file": f.file,
        "details": list(f.details),
        "guideline": f.guideline,
        "exception": None
        if f.waiver is None
        else {
            "reason": f.waiver.reason,
            "owner": f.waiver.owner,
            "ticket": f.waiver.ticket,
            "expires": str(f.waiver.expires),
        },
    }


def to_json(result: GateResult) -> dict:
    return {
        "ok": result.ok,
        "summary": result.summary(),
        "files": [
            {
                "file": r.file,
                "kind": r.kind,
                "stack": r.stack,
                "passed": r.passed,
                "failed": len(r.failed),
                "errors": r.errors,
            }
            for r in result.files
        ],
        "failed": [_finding(f) for f in result.failed],
        "excepted": [_finding(f) for f in result.excepted],
        "errors": result.all_errors,
        "warnings": result.warnings,
    }


def to_sarif(result: GateResult) -> dict:
    """SARIF 2.1.0: one rule per check id, one result per finding (excepted ones as suppressed)."""
    findings = result.failed + result.excepted
    rules = {
        f.check_id: {
            "id": f.check_id,
            "name": f.check_id,
            "shortDescription": {"text": f.name},
            "help": {"text": f.guideline or f.name},
        }
        for f in findings
    }
    results = []
    for f in findings:
        entry = {
            "ruleId": f.check_id,
            "level": "error",
            "message": {"text": f"{f.path}: {f.message}"},
            "locations": [
                {
                    "physicalLocation": {"artifactLocation": {"uri": f.file}},
                    "logicalLocations": [{"fullyQualifiedName": f.path, "kind": "resource"}],
                }
            ],
        }
        if f.waiver:
            entry["suppressions"] = [{"kind": "external", "justification": f.waiver.reason}]
        results.append(entry)
    for error in result.all_errors:
        results.append({"ruleId": "MLZ_GATE", "level": "error", "message": {"text": error}})
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlzone-gate",
                        "informationUri": "policies/README.md",
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
            }
        ],
    }


def to_junit(result: GateResult) -> str:
    """JUnit XML: one suite per gated file, one failing case per finding, one error case per problem."""
    suites = ET.Element("testsuites", name="mlzone-gate")
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in result.failed + result.excepted:
        by_file[f.file].append(f)
    for r in result.files:
        cases = by_file[r.file]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"{r.stack} ({r.kind})",
            file=r.file,
            tests=str(r.passed + len(cases) + len(r.errors)),
            failures=str(len(r.failed)),
            errors=str(len(r.errors)),
            skipped=str(len(cases) - len(r.failed)),
        )
        ET.SubElement(suite, "testcase", name=f"{r.passed} passed checks", classname=r.stack)
        for f in cases:
            case = ET.SubElement(suite, "testcase", name=f"{f.check_id} {f.path}", classname=r.stack)
            if f.waiver:
                ET.SubElement(case, "skipped", message=f"exception {f.waiver.ticket}: {f.waiver.reason}")
            else:
                ET.SubElement(case, "failure", message=f.message).text = f.guideline
        for error in r.errors:
            ET.SubElement(ET.SubElement(suite, "testcase", name="parse", classname=r.stack), "error", message=error)
    if result.errors:
        suite = ET.SubElement(
            suites,
            "testsuite",
            name="exceptions",
            tests=str(len(result.errors)),
            failures="0",
            errors=str(len(result.errors)),
        )
        for error in result.errors:
            ET.SubElement(ET.SubElement(suite, "testcase", name="exceptions.yaml"), "error", message=error)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def dumps(data: dict) -> str:
    return json.dumps(data, indent=2, default=str) + "\n"
