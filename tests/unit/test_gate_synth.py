"""Gate 1 inside synth: an insecure spec fails `mlzone synth` / `python main.py` before Terraform runs."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlzone import synth as synth_module
from mlzone.gate.findings import GateError
from mlzone.gate.runner import MODE_ENV
from mlzone.gate.runner import run as run_gate
from mlzone.gate.waivers import CONSTRUCT
from mlzone.synth import synthesize
from stacks.spec import AuditSpec, SpecError, Zone

pytestmark = pytest.mark.unit

PLATFORM = """name: acme-ml
region: eu-west-1
"""


@pytest.fixture()
def insecure_root(tmp_path: Path, monkeypatch) -> Path:
    """A zone whose audit retention is under the platform minimum enforced by CKV_MLZ_41.

    The spec layer refuses such a value itself, so the test slips it past validation (as a
    construct regression or a hand-built Zone would) to prove gate 1 still blocks it."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    valid = synth_module.load_zone

    def short_retention(root: Path) -> Zone:
        zone = valid(root)
        audit = AuditSpec.model_construct(**{**zone.platform.audit.__dict__, "retention_days": 30})
        return replace(zone, platform=zone.platform.model_copy(update={"audit": audit}))

    monkeypatch.setattr(synth_module, "load_zone", short_retention)
    return tmp_path


def test_synth_blocks_an_insecure_stack_by_construct_path(insecure_root: Path, monkeypatch) -> None:
    monkeypatch.delenv(MODE_ENV, raising=False)
    with pytest.raises(GateError, match="BLOCKED") as blocked:
        synthesize(insecure_root, outdir=insecure_root / "out")
    found = {(f.check_id, f.path) for f in blocked.value.result.failed}
    assert found == {("CKV_MLZ_41", "platform/audit/audit/object-lock")}
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
    assert "platform/audit/audit/object-lock" in result.output and "CKV_MLZ_41" in result.output


# ---- the README's opt-out example: an allow_* reason carries through to the check it relaxes (issue 9 §7)

README = Path(__file__).resolve().parents[2] / "README.md"
OPT_OUT = re.compile(r"`(audit: \{object_lock_mode: GOVERNANCE, allow_governance_mode: \{reason: \"[^\"]*\"\}\})`")
REASON = "legal hold review runs in a sandbox account that must purge test trails"


def readme_opt_out(reason: str | None) -> str:
    """platform.yaml with the README's GOVERNANCE example (its placeholder reason replaced)."""
    found = OPT_OUT.search(README.read_text())
    assert found, "README.md no longer shows the audit GOVERNANCE opt-out example; update this test with it"
    audit = re.sub(r'reason: "[^"]*"', f'reason: "{reason}"', found.group(1))
    if reason is None:
        audit = "audit: {object_lock_mode: GOVERNANCE}"
    return f"name: acme-ml\nregion: eu-west-1\n{audit}\n"


def test_the_readme_governance_opt_out_passes_gate_1(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(MODE_ENV, raising=False)
    (tmp_path / "platform.yaml").write_text(readme_opt_out(REASON))
    stacks = synthesize(tmp_path, outdir=tmp_path / "out")  # gate 1 runs inside and raises when blocked
    platform = next(s for s in stacks if s.name == "platform") / "cdk.tf.json"
    result = run_gate([platform])
    waived = [(f.check_id, f.path, f.waiver.reason) for f in result.excepted if f.waiver.origin == CONSTRUCT]
    assert ("CKV_MLZ_6", "platform/audit/audit/object-lock", REASON) in waived
    assert "CKV_MLZ_6 on platform/audit/audit" in result.summary()

    # The waiver relaxes the mode only: a short retention under GOVERNANCE is still blocked (CKV_MLZ_41).
    doc = json.loads(platform.read_text())
    lock = next(iter(doc["resource"]["aws_s3_bucket_object_lock_configuration"].values()))
    lock["rule"]["default_retention"]["days"] = 30
    platform.write_text(json.dumps(doc))
    assert {(f.check_id, f.path) for f in run_gate([platform]).failed} == {
        ("CKV_MLZ_41", "platform/audit/audit/object-lock")
    }


def test_governance_without_the_reason_is_refused_by_the_spec(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(readme_opt_out(None))
    with pytest.raises(SpecError, match="allow_governance_mode"):
        synthesize(tmp_path, outdir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
