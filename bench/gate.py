"""Benchmark of the policy gate, measured in one run (no assertion: figures to read).

    python bench/gate.py [--projects 50]

Prints
1. the in-process gate (mlzone.gate.runner.run, checkov imported once) against the checkov CLI on the
   same files (the example's synthesized stacks; one `checkov -f a -f b ...` call, our checks via
   --external-checks-dir) and their ratio (target <= 0.2);
2. the gate time for a zone of N projects (copies of projects/fraud-detection.yaml) + the platform.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mlzone  # noqa: F401  (jsii environment before cdktf loads)
from mlzone.gate.paths import CHECKS_DIR
from mlzone.gate.runner import run as run_gate
from mlzone.synth import synthesize

ROOT = Path(__file__).resolve().parents[1]


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def make_zone(folder: Path, projects: int) -> Path:
    """platform.yaml + N copies of the fraud-detection project, renamed."""
    (folder / "projects").mkdir(parents=True)
    shutil.copy(ROOT / "platform.yaml", folder / "platform.yaml")
    template = (ROOT / "projects" / "fraud-detection.yaml").read_text()
    for i in range(projects):
        name = f"project-{i:02d}"
        (folder / "projects" / f"{name}.yaml").write_text(template.replace("name: fraud-detection", f"name: {name}"))
    return folder


def cli_seconds(files: list[Path], work: Path) -> float:
    env = {
        **os.environ,
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
        "BC_SKIP_MAPPING": "TRUE",
        "XDG_CACHE_HOME": str(work / "cache"),
        "TMPDIR": str(work),
    }
    cmd = [
        str(Path(sys.executable).with_name("checkov")),
        "--skip-download",
        "--quiet",
        "--compact",
        "-o",
        "json",
        "--external-checks-dir",
        str(CHECKS_DIR),
        *[arg for f in files for arg in ("-f", str(f))],
    ]
    seconds, proc = timed(lambda: subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600))
    if proc.returncode not in (0, 1):
        raise SystemExit(f"checkov CLI failed ({proc.returncode}): {proc.stderr[-500:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mlzone-bench-"))
    try:
        stacks = synthesize(ROOT, outdir=work / "example", gate=False)
        files = [s / "cdk.tf.json" for s in stacks]
        cold, result = timed(lambda: run_gate(files))
        warm, result = timed(lambda: run_gate(files))
        cli = cli_seconds(files, work)
        print(
            f"example: {len(files)} stacks, {sum(r.passed + len(r.findings) for r in result.files)} check results, "
            f"gate {'passed' if result.ok else 'BLOCKED'}"
        )
        print(f"in-process gate: first call {cold:.2f} s (imports checkov), next call {warm:.2f} s")
        print(f"checkov CLI, same files: {cli:.2f} s")
        print(f"ratio in-process / CLI: {warm / cli:.2f} (warm; target <= 0.2), {cold / cli:.2f} (first call)")

        zone = make_zone(work / "zone", args.projects)
        synth_s, stacks = timed(lambda: synthesize(zone, outdir=work / "zone-out", gate=False))
        gate_s, result = timed(lambda: run_gate([s / "cdk.tf.json" for s in stacks]))
        print(
            f"{args.projects} projects + platform: synth {synth_s:.1f} s, gate {gate_s:.1f} s "
            f"({gate_s / len(stacks):.2f} s per stack), gate {'passed' if result.ok else 'BLOCKED'}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
