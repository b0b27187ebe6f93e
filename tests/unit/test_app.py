"""The whole app: valid Terraform, no absolute paths, and the entry points fail cleanly on bad specs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cdktf import Testing

from stacks.app import build_app
from tests.conftest import ROOT

pytestmark = pytest.mark.unit


def test_every_stack_is_valid_terraform(example_stacks):
    for stack in example_stacks.values():
        assert Testing.to_be_valid_terraform(Testing.full_synth(stack)), stack.node.id


def test_synth_output_has_no_absolute_paths(zone, tmp_path):
    out = tmp_path / "cdktf.out"
    build_app(zone, outdir=str(out)).synth()
    for file in out.rglob("*.json"):
        text = file.read_text()
        for path in (str(ROOT), str(tmp_path), os.path.expanduser("~")):
            assert path not in text, f"{file} contains {path}"
    stacks = {p.name for p in (out / "stacks").iterdir()}
    assert stacks == {"platform", *(p.name for p in zone.projects)}
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["stacks"]) == stacks


def run_cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def bad_zone(tmp_path: Path) -> Path:
    (tmp_path / "projects").mkdir()
    (tmp_path / "platform.yaml").write_text("name: acme-ml\nregion: eu-west-1\n")
    (tmp_path / "projects" / "fraud.yaml").write_text(
        "name: fraud\nteam: risk\ncost_center: CC-1\ndata_classification: confidential\n"
        "endpoints: [{name: api, model: ghost}]\n"
    )
    return tmp_path


def test_cli_reports_a_bad_spec_without_traceback(bad_zone):
    proc = run_cli("-m", "mlzone", "synth", "--root", str(bad_zone), cwd=bad_zone)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    message = " ".join(proc.stderr.split())
    assert f"{bad_zone / 'projects' / 'fraud.yaml'}" in message.replace(" ", "") or "fraud.yaml" in message
    assert "endpoints[0].model 'ghost' is not a model of this project" in message and "fix:" in message
    assert not (bad_zone / "cdktf.out").exists()


def test_main_py_reports_a_bad_spec_without_traceback(bad_zone):
    proc = run_cli(str(ROOT / "main.py"), cwd=bad_zone, env={"MLZONE_ROOT": str(bad_zone)})
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "is not a model of this project" in proc.stderr


def test_schema_command_writes_schemas_that_match_the_committed_ones(tmp_path):
    proc = run_cli("-m", "mlzone", "schema", "--out", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for kind in ("platform", "project"):
        written = json.loads((tmp_path / f"{kind}.schema.json").read_text())
        assert written == json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text()), (
            f"schemas/{kind}.schema.json is stale; fix: run `mlzone schema --out schemas`"
        )
    assert "endpoints" in json.loads((tmp_path / "project.schema.json").read_text())["properties"]
