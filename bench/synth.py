"""Synth benchmark: figures and ratios measured in one run, each command in a fresh process (no thresholds).

- an invalid spec refused by `python main.py` (goal < 1 s: specs are validated before cdktf loads);
- a bare, eager `import cdktf_cdktf_provider_aws` (the published package, no mlzone hook);
- the example synth + gate 1 (`python main.py`) with the lazy bindings (goal: below the bare import),
  and with `MLZONE_EAGER_BINDINGS=1` for comparison;
- synth + gate 1 of 50 generated projects vs 1 project (goal <= 1.3x), both into an empty output folder with an
  empty scan cache (cold), and the 50 again after one project's spec changed (the synth and scan caches
  reuse the 49 others: `mlzone.synth_cache`, `mlzone.gate.scan_cache`).

Usage: python bench/synth.py [--projects 50]
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

import yaml

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,20,22"}
ENV.pop("MLZONE_EAGER_BINDINGS", None)


def timed(*args: str, env: dict | None = None, expect: int = 0) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**ENV, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != expect:
        raise SystemExit(f"{' '.join(args)} exited {proc.returncode}, expected {expect}:\n{proc.stderr[-2000:]}")
    return seconds


def zone_with(projects: int, into: Path) -> Path:
    """A copy of the example platform with `projects` copies of the fraud-detection project."""
    (into / "projects").mkdir(parents=True)
    shutil.copy(ROOT / "platform.yaml", into / "platform.yaml")
    template = yaml.safe_load((ROOT / "projects" / "fraud-detection.yaml").read_text())
    for i in range(projects):
        name = f"project-{i:03d}"
        (into / "projects" / f"{name}.yaml").write_text(yaml.safe_dump({**template, "name": name}))
    return into


def synth_seconds(zone: Path, expect: int = 0, **env: str) -> float:
    """`python main.py` (synth + gate 1) of `zone`, with the output folder's own scan cache (empty at first)."""
    out = env.pop("CDKTF_OUTDIR", str(zone / "cdktf.out"))
    return timed(
        str(ROOT / "main.py"),
        expect=expect,
        env={"MLZONE_ROOT": str(zone), "CDKTF_OUTDIR": out, "MLZONE_SCAN_CACHE": f"{out}-scan-cache", **env},
    )


def change_one(zone: Path) -> None:
    """Give the zone's first project one more notebook."""
    spec = sorted((zone / "projects").glob("*.yaml"))[0]
    changed = yaml.safe_load(spec.read_text())
    changed["notebooks"] = [*changed["notebooks"], {"owner": "bob", "instance_type": "ml.t3.medium"}]
    spec.write_text(yaml.safe_dump(changed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=50)
    n = parser.parse_args().projects
    with tempfile.TemporaryDirectory() as tmp:
        invalid = zone_with(1, Path(tmp) / "invalid")
        spec = invalid / "projects" / "project-000.yaml"
        spec.write_text(spec.read_text() + "notebok: []\n")
        refused = synth_seconds(invalid, expect=2)
        bare = timed("-c", "import cdktf_cdktf_provider_aws")
        example = synth_seconds(ROOT, CDKTF_OUTDIR=str(Path(tmp) / "example"))
        eager = synth_seconds(ROOT, CDKTF_OUTDIR=str(Path(tmp) / "eager"), MLZONE_EAGER_BINDINGS="1")
        one = synth_seconds(zone_with(1, Path(tmp) / "one"))
        many = synth_seconds(zone_with(n, Path(tmp) / "many"))
        change_one(Path(tmp) / "many")
        changed = synth_seconds(Path(tmp) / "many")
    print(f"invalid spec refused (python main.py, exit 2):  {refused:6.2f} s")
    print(f"bare import of the AWS provider bindings:       {bare:6.2f} s   (eager, as published)")
    print(
        f"example synth + gate 1 (python main.py, lazy):  {example:6.2f} s   ratio to bare import: {example / bare:.2f}"
    )
    print(f"example synth + gate 1, MLZONE_EAGER_BINDINGS=1: {eager:5.2f} s   lazy : eager = {example / eager:.2f}")
    print(f"synth + gate 1, 1 project:                      {one:6.2f} s")
    print(f"synth + gate 1, {n} projects:                    {many:6.2f} s   ratio {n} : 1 = {many / one:.2f}  (cold)")
    print(
        f"synth + gate 1, {n} projects, 1 changed:         {changed:6.2f} s   ratio {n} : 1 = {changed / one:.2f}"
        "  (the others reused)"
    )


if __name__ == "__main__":
    main()
