"""End-to-end fixtures: a copy of the example in a temporary folder, synthesized once, and a kept emulator.

The emulator is started with `keep=True`, so every `mlzone` command the tests run (through typer's
CliRunner, or as a subprocess) finds it through `.mlzone/emulator.json` and reuses it, exactly as a
user's `mlzone deploy` followed by `mlzone status` does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from mlzone.cli import app
from mlzone.clients import clients
from mlzone.emulator import Emulator

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_PROJECT = "fraud-detection"  # the full example project: notebook, EMR, registry, endpoint, batch job
REGION = "eu-west-1"


def mlzone(*args: str) -> Result:
    """Run the CLI in-process (its output is in `.output`, its exit code in `.exit_code`)."""
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def mlzone_process(root: Path, *args: str) -> subprocess.Popen[str]:
    """Run the CLI as a separate process (to interrupt it, or to race it against another)."""
    env = {**os.environ, "MLZONE_TARGET": "local"}
    return subprocess.Popen(
        [sys.executable, "-m", "mlzone", *args, "--root", str(root)],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def copy_example(root: Path, projects: tuple[str, ...]) -> Path:
    """The example platform and the named projects in `root`."""
    (root / "projects").mkdir(parents=True)
    shutil.copy(REPO / "platform.yaml", root)
    for name in projects:
        shutil.copy(REPO / "projects" / f"{name}.yaml", root / "projects")
    return root


@pytest.fixture(scope="session")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example platform + one full project, synthesized for the local target, with a kept emulator."""
    root = copy_example(tmp_path_factory.mktemp("example"), (EXAMPLE_PROJECT,))
    emulator = Emulator(root / ".mlzone", keep=True).start()
    try:
        result = mlzone("synth", "--root", str(root), "--target", "local")
        assert result.exit_code == 0, result.output
        yield root
    finally:
        emulator.stop(force=True)


@pytest.fixture(scope="session")
def emulator_url(example: Path) -> str:
    return json.loads((example / ".mlzone" / "emulator.json").read_text())["url"]


@pytest.fixture(scope="session")
def aws(emulator_url: str):
    """boto3 clients on the example's emulator."""
    return clients(REGION, emulator_url)


@pytest.fixture(scope="session")
def deployed(example: Path) -> Result:
    """`mlzone deploy` of the example (plans, gate 2, applies, verifies), once per session."""
    return mlzone("deploy", "--root", str(example), "--no-synth")
