"""A bad spec is refused before anything imports cdktf or the provider bindings, from every entry point.

Each entry point runs in a fresh process with `PYTHONPROFILEIMPORTTIME=1` (the same as `python -X importtime`):
its stderr lists every module the process imported, so the test sees that cdktf, constructs and jsii
never loaded, instead of asserting on a (noisy) duration."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.unit

# `import time:  self |  cumulative | <indent>module`: the module names cdktf's synth would need.
HEAVY_IMPORT = re.compile(r"^import time:.*\|\s*(cdktf|cdktf_cdktf_provider_aws|constructs|jsii)(\.|$)", re.MULTILINE)
MLZONE = Path(sys.executable).with_name("mlzone")  # the console script of this venv


def entry_point(name: str, zone: Path) -> list[str]:
    """The command line of one entry point, run on `zone`."""
    if name == "python main.py":
        return [sys.executable, str(ROOT / "main.py")]
    cli = [str(MLZONE)] if MLZONE.exists() else [sys.executable, "-m", "mlzone"]
    return [*cli, name.split()[1], "--root", str(zone)]


def run(name: str, zone: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "MLZONE_ROOT": str(zone), "PYTHONPROFILEIMPORTTIME": "1", **env}
    return subprocess.run(entry_point(name, zone), cwd=zone, env=environ, capture_output=True, text=True, timeout=300)


def copy_of_example(into: Path) -> Path:
    (into / "projects").mkdir(parents=True)
    (into / "platform.yaml").write_text((ROOT / "platform.yaml").read_text())
    for spec in (ROOT / "projects").glob("*.yaml"):
        (into / "projects" / spec.name).write_text(spec.read_text())
    return into


@pytest.fixture
def bad_zone(tmp_path: Path) -> Path:
    """The example zone with one misspelled field in a project spec."""
    zone = copy_of_example(tmp_path / "zone")
    spec = zone / "projects" / "churn.yaml"
    spec.write_text(spec.read_text() + "notebok: []\n")
    return zone


@pytest.mark.parametrize("name", ["python main.py", "mlzone synth", "mlzone plan", "mlzone deploy"])
def test_a_bad_spec_is_refused_before_cdktf_is_imported(name: str, bad_zone: Path) -> None:
    proc = run(name, bad_zone)
    errors = "\n".join(line for line in proc.stderr.splitlines() if not line.startswith("import time:"))
    assert proc.returncode == 2, errors
    assert "churn.yaml" in errors and "notebok" in errors and "fix:" in errors
    assert "Traceback" not in errors
    assert "import time:" in proc.stderr, "the import profile is missing: the assertion below would prove nothing"
    assert HEAVY_IMPORT.findall(proc.stderr) == [], f"{name} imported cdktf/jsii before refusing the spec"
    assert not (bad_zone / "cdktf.out").exists()


def test_the_aws_target_requirements_are_checked_before_cdktf_is_imported(tmp_path: Path) -> None:
    zone = copy_of_example(tmp_path / "zone")  # valid specs, but no account_id / state_bucket for aws
    proc = run("python main.py", zone, MLZONE_TARGET="aws")
    assert proc.returncode == 2
    assert "account_id is required for --target aws" in proc.stderr
    assert HEAVY_IMPORT.findall(proc.stderr) == []


def test_the_import_check_sees_cdktf_when_it_is_imported(tmp_path: Path) -> None:
    """The pattern above matches a real import profile of cdktf (so its `== []` can fail)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import cdktf"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MLZONE_EAGER_BINDINGS": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    assert {"cdktf", "jsii", "constructs"} <= {m for m, _ in HEAVY_IMPORT.findall(proc.stderr)}
