"""Gate 1 inside synth: an insecure spec fails `mlzone synth` / `python main.py` before Terraform runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlzone.gate import MODE_ENV, GateError
from mlzone.synth import synthesize

pytestmark = pytest.mark.unit

# Valid for the spec (retention_days >= 1), but under the platform minimum enforced by CKV_MLZ_6.
SHORT_RETENTION = """name: acme-ml
region: eu-west-1
audit: {retention_days: 30, object_lock_mode: COMPLIANCE}
"""


@pytest.fixture()
def insecure_root(tmp_path: Path) -> Path:
    (tmp_path / "platform.yaml").write_text(SHORT_RETENTION)
    return tmp_path


def test_synth_blocks_an_insecure_stack_by_construct_path(insecure_root: Path, monkeypatch) -> None:
    monkeypatch.delenv(MODE_ENV, raising=False)
    with pytest.raises(GateError, match="BLOCKED") as blocked:
        synthesize(insecure_root, outdir=insecure_root / "out")
    found = {(f.check_id, f.path) for f in blocked.value.result.failed}
    assert found == {("CKV_MLZ_6", "platform/audit/audit/object-lock")}
    stack = insecure_root / "out" / "stacks" / "platform"
    assert not (stack / "cdk.tf.json").exists() and (stack / "cdk.tf.json.blocked").exists()


def test_report_only_prints_but_synthesizes(insecure_root: Path, monkeypatch) -> None:
    monkeypatch.setenv(MODE_ENV, "report-only")
    stacks = synthesize(insecure_root, outdir=insecure_root / "out")
    assert (stacks[0] / "cdk.tf.json").is_file()


def test_cli_synth_exits_1_and_names_the_construct(insecure_root: Path, monkeypatch) -> None:
    from mlzone.cli import app

    monkeypatch.delenv(MODE_ENV, raising=False)
    monkeypatch.setenv("CDKTF_OUTDIR", str(insecure_root / "cli-out"))
    result = CliRunner().invoke(app, ["synth", "--root", str(insecure_root)])
    assert result.exit_code == 1
    assert "platform/audit/audit/object-lock" in result.output and "CKV_MLZ_6" in result.output
