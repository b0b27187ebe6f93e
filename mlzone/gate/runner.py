"""The gate itself: checkov on each file (`gate_file`; an unchanged file from the scan cache), then exceptions
and construct waivers applied (`run`)."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import replace
from pathlib import Path

from mlzone.gate.checkov_scan import covered_builtins, loaded_check_ids, logical_id, record_address
from mlzone.gate.findings import FileResult, Finding, GateResult
from mlzone.gate.inputs import collect, construct_paths, kind_of, stack_name, synth_for
from mlzone.gate.paths import EXCEPTIONS_FILE
from mlzone.gate.plan_views import home_accounts, shared_model_groups
from mlzone.gate.scan_cache import scanned
from mlzone.gate.waivers import CONSTRUCT, Waiver, construct_waivers, load_waivers

MODE_ENV = "MLZONE_GATE"  # "report-only": print findings, never fail (local experiments; CI never sets it)


def gate_file(file: Path) -> FileResult:
    """checkov (state checks and, on plans, change rules) on one file; exceptions are applied by `run`."""
    try:
        doc = json.loads(file.read_text())
    except (OSError, ValueError) as exc:
        return FileResult(str(file), "unknown", file.parent.name, errors=[f"cannot read JSON: {exc}"])
    kind = kind_of(doc)
    synth = synth_for(file, doc, kind)
    stack, paths = stack_name(file, synth), construct_paths(synth or {})
    result = FileResult(str(file), kind, stack)
    if kind == "unknown":
        result.errors.append("neither a synthesized cdk.tf.json nor a terraform plan JSON")
        return result
    if kind == "synth" and not file.name.endswith(".tf.json"):
        result.errors.append("checkov scans Terraform JSON only in files named *.tf.json; fix: rename the file")
        return result
    result.waivers = construct_waivers(synth)
    scan = scanned(file, kind, home_accounts=home_accounts(synth), shared_groups=shared_model_groups(synth))
    result.passed = scan.passed
    result.errors += [f"checkov could not parse {e}" for e in scan.errors]
    for rec in scan.failed:
        address = record_address(rec.resource)
        result.findings.append(
            Finding(
                check_id=rec.check_id,
                name=rec.check_name,
                stack=stack,
                file=str(file),
                address=address,
                path=paths.get(address) or paths.get(logical_id(address)) or f"{stack}/{address}",
                kind=kind,
                details=tuple(rec.details or ()),
                guideline=rec.guideline or "",
            )
        )
    if kind == "plan":
        result.passed += 1  # the change rules judged the plan's deletions (a destroy plan keeps nothing else)
    if result.passed + len(result.findings) == 0:
        result.errors.append("zero checks ran (checkov found nothing to scan); the gate fails closed")
    return result


def run(paths: list[Path], exceptions_file: Path = EXCEPTIONS_FILE, today: dt.date | None = None) -> GateResult:
    """Gate every file under `paths`; never raises on findings (see `GateResult.ok`)."""
    today = today or dt.date.today()
    files = collect(paths)
    waivers, errors = load_waivers(exceptions_file)
    errors += [p for w in waivers for p in w.problems(today)]
    valid = [w for w in waivers if not w.problems(today)]
    results = [gate_file(f) for f in files]
    if not files:
        errors.append("no cdk.tf.json or plan JSON found; the gate fails closed")
    recorded = list(dict.fromkeys(w for r in results for w in r.waivers))  # a plan repeats its synth's
    covered = covered_builtins()
    errors += [
        f"{'waiver recorded on construct' if w.origin == CONSTRUCT else 'exception on'} {w.resource} names "
        f"{w.check_id}, which the gate does not run: {covered[w.check_id]} covers it (policies/overlaps.yaml); "
        f"fix: name {covered[w.check_id]}"
        for w in [*waivers, *recorded]
        if w.check_id in covered
    ]
    errors += [p for w in recorded for p in w.problems(today)]
    if recorded:
        known = loaded_check_ids()
        errors += [
            f"waiver recorded on construct {w.resource} names unknown check {w.check_id}; fix: the check id"
            for w in recorded
            if w.check_id not in known
        ]
    used: dict[Waiver, set[str]] = {}
    exceptions = sorted(valid, key=lambda w: w.is_glob)  # an exact entry wins over a glob
    for result in results:
        candidates = [w for w in result.waivers if not w.problems(today)] + exceptions
        for i, finding in enumerate(result.findings):
            waiver = next((w for w in candidates if w.matches_finding(finding)), None)
            if waiver:
                used.setdefault(waiver, set()).add(finding.path)
                result.findings[i] = replace(finding, waiver=waiver)
    stacks, kinds = {r.stack for r in results} | {"*"}, {r.kind for r in results} | {"any"}
    warnings = [
        f"exception {w.check_id} on {w.resource} matched nothing; remove it if the resource is fixed"
        for w in waivers
        if w not in used and w.stack in stacks and w.scope in kinds
    ]
    warnings += [
        f"exception {w.check_id} on {w.resource} now matches {path}, which is not in its matches: list; "
        f"fix: check that the reason is true for it and add it, or narrow the glob"
        for w, paths in used.items()
        if w.is_glob
        for path in sorted(paths - set(w.matches or ()))
    ]
    warnings += [
        f"exception {w.check_id} on {w.resource} lists {path} in matches: but no longer matches it; "
        f"fix: remove it from the list"
        for w in valid
        if w.is_glob and w.scope in kinds
        for path in w.matches or ()
        if path.split("/", 1)[0] in stacks and path not in used.get(w, set())
    ]
    return GateResult(files=results, errors=errors, warnings=warnings, report_only=report_only())


def report_only() -> bool:
    return os.environ.get(MODE_ENV, "").lower() == "report-only"
