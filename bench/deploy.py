"""Benchmark `mlzone deploy` and `mlzone plan` on the local emulator; prints measured ratios.

1. The same synthesized stacks, each on a fresh emulator: raw `terraform init && terraform apply`
   stack after stack, against `mlzone deploy --no-synth` (plan, gate 2, apply the saved plan, verify).
   Target: mlzone / raw <= 1.2.
2. `mlzone plan` when 1 of N projects changed against all N changed (unchanged stacks with a current
   plan are not planned again: each plan is keyed by a hash of the stack's synthesized JSON).

Usage: python bench/deploy.py [--projects N]   (N >= 2: the example's projects plus scaffolded ones)
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mlzone.emulator import Emulator  # noqa: E402
from mlzone.terraform.config import find_mirror, find_terraform, write_cli_config  # noqa: E402
from mlzone.workspace import Workspace  # noqa: E402


def mlzone(root: Path, *args: str) -> float:
    """Run the CLI; return its wall time (fails loudly)."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mlzone", *args, "--root", str(root)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if proc.returncode != 0:
        sys.exit(f"mlzone {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return time.perf_counter() - started


def raw_apply(root: Path) -> float:
    """`terraform init` + `terraform apply -auto-approve` of every synthesized stack, platform first."""
    with Emulator(root / ".mlzone") as emu:
        env = {
            **os.environ,
            "TF_VAR_emulator_url": emu.url,
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "TF_CLI_CONFIG_FILE": str(write_cli_config(root / ".mlzone", find_mirror())),
        }
        started = time.perf_counter()
        for stack in Workspace(root).stacks():
            for cmd in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]):
                subprocess.run(
                    [find_terraform(), *cmd],
                    cwd=root / "cdktf.out" / "stacks" / stack,
                    env=env,
                    check=True,
                    capture_output=True,
                    timeout=3600,
                )
        return time.perf_counter() - started


def change_projects(root: Path, names: list[str], percent: int) -> None:
    """A real change per project: its endpoints' capture percent, or a notebook's idle stop."""
    for name in names:
        file = root / "projects" / f"{name}.yaml"
        spec = yaml.safe_load(file.read_text())
        if spec.get("endpoints"):
            spec["endpoints"][0]["capture_percent"] = percent
        else:
            spec["notebooks"][0]["idle_stop_minutes"] = percent
        file.write_text(yaml.safe_dump(spec, sort_keys=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=4, help="number of projects N (default 4)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlzone-bench-") as tmp:
        root = Path(tmp) / "zone"
        (root / "projects").mkdir(parents=True)
        shutil.copy(REPO / "platform.yaml", root)
        for file in sorted((REPO / "projects").glob("*.yaml")):
            shutil.copy(file, root / "projects")
        for i in range(args.projects - len(list((root / "projects").glob("*.yaml")))):
            mlzone(root, "new-project", f"bench-{i}", "--team", "bench", "--cost-center", "CC-0000")
        projects = sorted(p.stem for p in (root / "projects").glob("*.yaml"))
        synth = mlzone(root, "synth", "--target", "local")
        print(f"synth of platform + {len(projects)} projects: {synth:.1f}s")

        raw_root = Path(tmp) / "raw"
        shutil.copytree(root, raw_root)
        raw = raw_apply(raw_root)
        print(f"raw terraform init+apply, stack after stack: {raw:.1f}s")
        deploy = mlzone(root, "deploy", "--no-synth")
        print(f"mlzone deploy (plan, gate 2, apply, verify): {deploy:.1f}s")
        print(f"RATIO deploy/raw = {deploy / raw:.2f} (target <= 1.2)")

        try:
            mlzone(root, "plan", "--no-synth")  # every stack has a current plan now
            change_projects(root, projects[:1], 40)
            mlzone(root, "synth", "--target", "local")
            one = mlzone(root, "plan", "--no-synth")
            change_projects(root, projects, 30)
            mlzone(root, "synth", "--target", "local")
            every = mlzone(root, "plan", "--no-synth")
        finally:
            from mlzone.emulator import stop_kept

            stop_kept(root / ".mlzone")
        print(f"mlzone plan, 1 of {len(projects)} projects changed: {one:.1f}s")
        print(f"mlzone plan, all {len(projects)} projects changed: {every:.1f}s")
        print(f"RATIO plan one/all = {one / every:.2f}")


if __name__ == "__main__":
    main()
