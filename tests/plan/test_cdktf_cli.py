"""`cdktf synth` (the npm CLI, driven by cdktf.json) and `python main.py` produce the same stacks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.plan


def cdktf_cli() -> str:
    local = ROOT / ".mlzone" / "node" / "node_modules" / ".bin" / "cdktf"
    found = str(local) if local.exists() else shutil.which("cdktf")
    assert found, "the cdktf CLI is not installed; fix: bash scripts/install.sh --with-cdktf-cli"
    return found


def test_cdktf_synth_matches_python_main(tmp_path: Path):
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",  # `python` = this venv
        "CHECKPOINT_DISABLE": "1",
        "CDKTF_DISABLE_PLUGIN_CACHE_ENV": "1",
    }
    env.pop("CDKTF_OUTDIR", None)
    direct = subprocess.run(
        [sys.executable, "main.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={**env, "CDKTF_OUTDIR": str(tmp_path / "direct")},
    )
    assert direct.returncode == 0, direct.stderr
    via_cli = subprocess.run(
        [cdktf_cli(), "synth", "--output", str(tmp_path / "cli")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert via_cli.returncode == 0, via_cli.stdout + via_cli.stderr
    stacks = sorted(p.name for p in (tmp_path / "direct" / "stacks").iterdir())
    assert stacks == sorted(p.name for p in (tmp_path / "cli" / "stacks").iterdir())
    assert "platform" in stacks and len(stacks) >= 2
    for stack in stacks:
        a = (tmp_path / "direct" / "stacks" / stack / "cdk.tf.json").read_text()
        b = (tmp_path / "cli" / "stacks" / stack / "cdk.tf.json").read_text()
        assert a == b, f"{stack} differs between python main.py and cdktf synth"
