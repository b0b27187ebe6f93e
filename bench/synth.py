"""Synth benchmark: prints ratios measured in one run (no thresholds; see README "Performance").

- example app synth (`python main.py`) vs a bare `import cdktf_cdktf_provider_aws`, each in a fresh process;
- synth of 50 generated projects vs 1 project, each in a fresh process.

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


def timed(*args: str, env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, cwd=ROOT, env={**ENV, **(env or {})},
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def zone_with(projects: int, into: Path) -> Path:
    """A copy of the example platform with `projects` copies of the fraud-detection project."""
    (into / "projects").mkdir(parents=True)
    shutil.copy(ROOT / "platform.yaml", into / "platform.yaml")
    template = yaml.safe_load((ROOT / "projects" / "fraud-detection.yaml").read_text())
    for i in range(projects):
        name = f"project-{i:03d}"
        (into / "projects" / f"{name}.yaml").write_text(yaml.safe_dump({**template, "name": name}))
    return into


def synth_seconds(zone: Path) -> float:
    return timed(str(ROOT / "main.py"), env={"MLZONE_ROOT": str(zone), "CDKTF_OUTDIR": str(zone / "cdktf.out")})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=50)
    n = parser.parse_args().projects
    bare = timed("-c", "import cdktf_cdktf_provider_aws.s3_bucket")
    example = synth_seconds(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        one = synth_seconds(zone_with(1, Path(tmp) / "one"))
        many = synth_seconds(zone_with(n, Path(tmp) / "many"))
    print(f"bare import of the AWS provider bindings: {bare:6.1f} s")
    print(f"example app synth (python main.py):      {example:6.1f} s   ratio to bare import: {example / bare:.2f}")
    print(f"synth, 1 project:                         {one:6.1f} s")
    print(f"synth, {n} projects:                       {many:6.1f} s   ratio {n} : 1 = {many / one:.2f}")


if __name__ == "__main__":
    main()
