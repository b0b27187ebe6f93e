"""Synthesize the zone to Terraform JSON: `cdktf.out/stacks/<stack>/cdk.tf.json`."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from mlzone import jsii_exit, report
from mlzone.gate.findings import GateError
from mlzone.gate.runner import MODE_ENV
from mlzone.gate.runner import run as run_gate
from stacks.spec import Zone, load_zone
from stacks.target import Target

if TYPE_CHECKING:
    from mlzone.gate.findings import GateResult

GATE1_FILE = "gate1.json"  # gate 1's verdict, beside each stack's cdk.tf.json (read by mlzone.deploy_record)


def validate(root: Path, target: Target | None = None) -> tuple[Zone, Target]:
    """Every spec of the zone at `root`, checked for `target` (default `MLZONE_TARGET`). Raises SpecError.

    Imports neither cdktf nor the provider bindings, so a bad spec fails in well under a second."""
    zone = load_zone(root)
    target = target or Target.from_env()
    target.require(zone.platform)
    return zone, target


def synthesize(root: Path, outdir: Path | None = None, target: Target | None = None, gate: bool = True) -> list[Path]:
    """Validate the specs, then build and synth every stack (reusing unchanged projects' stacks in the output
    folder, `mlzone.synth_cache`), and gate them all; return the stack folders. Raises SpecError."""
    zone, target = validate(root, target)
    jsii_exit.guard()  # before cdktf starts jsii's Node runtime: Ctrl-C leaves no traceback behind
    # The cdktf app (cdktf and the provider bindings, seconds to load) is imported only once the specs are valid.
    from cdktf import TerraformStack

    from mlzone.synth_cache import SynthCache, stacks_of
    from stacks.app import build_app

    out = Path(outdir or os.environ.get("CDKTF_OUTDIR") or root / "cdktf.out")
    cache = SynthCache.read(zone, target, out)  # unchanged projects are not built again
    app = build_app(zone, target=target, outdir=str(out), skip=cache.reused)
    app.synth()
    cache.record(zone)
    names = {c.node.id for c in app.node.children if isinstance(c, TerraformStack)}
    names |= {name for p in zone.projects if p.name in cache.reused for name in stacks_of(p)}
    for stale in (out / "stacks").iterdir():
        if stale.name not in names:  # a project that was removed: never plan or gate its old JSON
            shutil.rmtree(stale)
    stacks = sorted(out / "stacks" / name for name in names)
    if gate:  # only benchmarks and tests that gate the files themselves turn gate 1 off
        gate_synthesized(stacks)
    return stacks


def gate_synthesized(stacks: list[Path]) -> None:
    """Gate 1: the policy gate on every synthesized stack, before Terraform can run.

    Prints the findings by construct path and raises `mlzone.gate.findings.GateError` when a stack violates
    policy; the blocked stacks' JSON is renamed `cdk.tf.json.blocked`, so no Terraform command can
    plan it. `MLZONE_GATE=report-only` only prints them (local experiments; CI never sets it).
    """
    result = run_gate([stack / "cdk.tf.json" for stack in stacks])
    blocked = {Path(f.file) for f in result.failed} | {Path(r.file) for r in result.files if r.errors}
    for stack in stacks:
        write_verdict(stack, stack / "cdk.tf.json" not in blocked or result.report_only, result)
    if result.ok:
        return
    report.print_lines(result, Console(stderr=True))
    if not result.report_only:
        for file in blocked:
            file.rename(file.with_name(file.name + ".blocked"))
        raise GateError(result)
    Console(stderr=True).print(f"[yellow]{MODE_ENV}=report-only: synthesized anyway; CI would fail[/]")


def write_verdict(stack: Path, passed: bool, result: GateResult) -> None:
    """Record gate 1's verdict on one stack, tied to its JSON by hash (`GATE1_FILE`)."""
    verdict = {
        "passed": passed,
        "report_only": result.report_only,
        "summary": result.summary(),
        "exceptions": result.exceptions_used(stack.name),
        "cdk_sha256": hashlib.sha256((stack / "cdk.tf.json").read_bytes()).hexdigest(),
    }
    (stack / GATE1_FILE).write_text(json.dumps(verdict, indent=2))
