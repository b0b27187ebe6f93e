"""The synth cache: an unchanged project is reused from the output folder, byte-identical to building it; any
change to its inputs (its spec, the platform, the code, an MLZONE_* setting) builds it again. The scan cache:
an unchanged file is not scanned again, and the gate's verdict on it is the same."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import pytest
import yaml

from mlzone import fingerprint
from mlzone.gate import scan_cache
from mlzone.gate.runner import gate_file
from mlzone.synth import synthesize
from mlzone.synth_cache import KEY_FILE, SynthCache
from stacks.spec import load_zone
from stacks.target import Target
from tests.conftest import ROOT

pytestmark = pytest.mark.unit


@pytest.fixture()
def zone_root(tmp_path: Path) -> Path:
    """A copy of the example zone (platform and both projects)."""
    root = tmp_path / "zone"
    (root / "projects").mkdir(parents=True)
    shutil.copy(ROOT / "platform.yaml", root / "platform.yaml")
    for spec in (ROOT / "projects").glob("*.yaml"):
        shutil.copy(spec, root / "projects" / spec.name)
    return root


def reused(root: Path, out: Path) -> set[str]:
    return SynthCache.read(load_zone(root), Target(), out).reused


def same_tree(a: Path, b: Path) -> list[str]:
    """Files that differ (or exist on one side only) between folders `a` and `b`, compared byte by byte."""
    cmp, found = filecmp.dircmp(a, b), []
    stack = [(cmp, Path())]
    while stack:
        node, rel = stack.pop()
        found += [str(rel / n) for n in node.left_only + node.right_only]
        found += [str(rel / n) for n in filecmp.cmpfiles(a / rel, b / rel, node.common_files, shallow=False)[1]]
        stack += [(sub, rel / name) for name, sub in node.subdirs.items()]
    return found


def test_an_unchanged_project_is_reused_and_the_output_is_byte_identical_to_a_full_build(zone_root: Path) -> None:
    out, fresh = zone_root / "cdktf.out", zone_root / "fresh.out"
    synthesize(zone_root, outdir=out)
    assert reused(zone_root, out) == {"churn", "fraud-detection"}
    churn_json = out / "stacks" / "churn" / "cdk.tf.json"
    before = churn_json.stat().st_mtime_ns
    spec = zone_root / "projects" / "fraud-detection.yaml"
    changed = yaml.safe_load(spec.read_text())
    changed["notebooks"] = [*changed["notebooks"], {"owner": "bob", "instance_type": "ml.t3.medium"}]
    spec.write_text(yaml.safe_dump(changed))
    assert reused(zone_root, out) == {"churn"}
    synthesize(zone_root, outdir=out)
    assert churn_json.stat().st_mtime_ns == before, "the unchanged project was not written again"
    synthesize(zone_root, outdir=fresh)
    assert same_tree(out, fresh) == []


def test_a_change_to_the_platform_the_code_or_a_setting_rebuilds_every_project(
    zone_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = zone_root / "cdktf.out"
    synthesize(zone_root, outdir=out, gate=False)
    assert reused(zone_root, out) == {"churn", "fraud-detection"}
    monkeypatch.setenv("MLZONE_AUDIT_MIN_RETENTION_DAYS", "2000")
    assert reused(zone_root, out) == set()
    monkeypatch.delenv("MLZONE_AUDIT_MIN_RETENTION_DAYS")
    monkeypatch.setattr(fingerprint, "code", lambda: "another mlzone")
    assert reused(zone_root, out) == set()
    monkeypatch.undo()
    platform = zone_root / "platform.yaml"
    platform.write_text(platform.read_text().replace("acme-ml", "acme-ml2", 1))
    assert reused(zone_root, out) == set()


def test_a_project_is_rebuilt_when_its_stack_was_blocked_or_its_key_is_missing(zone_root: Path) -> None:
    out = zone_root / "cdktf.out"
    synthesize(zone_root, outdir=out, gate=False)
    blocked = out / "stacks" / "churn" / "cdk.tf.json"
    blocked.rename(blocked.with_name("cdk.tf.json.blocked"))  # what gate 1 does to a stack it blocks
    (out / "stacks" / "fraud-detection" / KEY_FILE).unlink()
    assert reused(zone_root, out) == set()


def test_an_unchanged_file_is_not_scanned_again_and_gets_the_same_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(scan_cache.CACHE_ENV, str(tmp_path / "scan-cache"))
    file = tmp_path / "cdk.tf.json"
    shutil.copy(ROOT / "tests" / "policies" / "fixtures" / "emr_cluster" / "fail.tf.json", file)
    first = gate_file(file)
    assert first.findings and first.passed

    def no_checkov(*args, **kwargs):
        raise AssertionError("checkov ran on a file the cache holds")

    monkeypatch.setattr(scan_cache, "scan", no_checkov)
    assert gate_file(file) == first
    assert len(list((tmp_path / "scan-cache").glob("*.json"))) == 1
    monkeypatch.setenv("MLZONE_AUDIT_MIN_RETENTION_DAYS", "2000")
    with pytest.raises(AssertionError, match="checkov ran"):
        gate_file(file)  # another setting: scanned again
    monkeypatch.delenv("MLZONE_AUDIT_MIN_RETENTION_DAYS")
    file.write_text(file.read_text().replace("}", " }", 1))
    with pytest.raises(AssertionError, match="checkov ran"):
        gate_file(file)  # other bytes: scanned again
