"""Lazy and eager AWS provider bindings synthesize the example zone byte for byte the same (`mlzone.bindings`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mlzone.bindings import EAGER_ENV
from mlzone.synth_cache import KEY_FILE
from tests.conftest import ROOT

pytestmark = pytest.mark.plan

SUBMODULE = re.compile(r"^import time:.*\|\s*cdktf_cdktf_provider_aws\.([a-z0-9_]+)$", re.MULTILINE)


def synth(outdir: Path, eager: bool) -> set[str]:
    """`python main.py` of the example into `outdir`; returns the binding submodules the process imported."""
    env = {k: v for k, v in os.environ.items() if k != EAGER_ENV} | {"CDKTF_OUTDIR": str(outdir)}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", str(ROOT / "main.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=env | ({EAGER_ENV: "1"} if eager else {}),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return set(SUBMODULE.findall(proc.stderr)) - {"_jsii"}


def files(root: Path) -> dict[str, bytes]:
    """Every file under `root` but the synth cache's keys, which hash every MLZONE_* setting (this one too)."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and p.name != KEY_FILE
    }


def test_lazy_and_eager_bindings_synthesize_the_same_bytes(tmp_path: Path) -> None:
    eager = synth(tmp_path / "eager", eager=True)
    lazy = synth(tmp_path / "lazy", eager=False)
    assert len(eager) > 2000, "the eager run did not import every submodule"
    assert 0 < len(lazy) < 100 and lazy <= eager, sorted(lazy)
    expected, got = files(tmp_path / "eager"), files(tmp_path / "lazy")
    assert any(name.endswith("cdk.tf.json") for name in expected)
    assert (tmp_path / "lazy" / "stacks" / "churn" / KEY_FILE).is_file()
    assert sorted(got) == sorted(expected)
    assert [name for name in expected if expected[name] != got[name]] == []
