"""Built-in checks that overlap ours (policies/overlaps.yaml): one decision each, and a covered
built-in is never stricter than the check of ours the gate runs instead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mlzone.gate import checkov_scan
from mlzone.gate.checkov_scan import covered_builtins, load_checkov, loaded_check_ids
from mlzone.gate.paths import OVERLAPS_FILE
from mlzone.gate.paths import ROOT as GATE_ROOT
from mlzone.gate.runner import run as run_gate
from tests.policies.test_checks import FIXTURES, OURS, scan

ENTRIES = yaml.safe_load(OVERLAPS_FILE.read_text())["overlaps"]
COVERED = [e for e in ENTRIES if e["decision"] == "covered"]
pytestmark = pytest.mark.policy


def builtin_types(ident: str) -> tuple[str, ...]:
    """The resource types the loaded built-in check `ident` judges (a Python or a graph check)."""
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    load_checkov()
    python = {
        tuple(c.supported_resources) for checks in resource_registry.checks.values() for c in checks if c.id == ident
    }
    registry = get_graph_checks_registry("terraform")
    registry.load_checks()  # checkov's own graph checks load on first use
    graph = {tuple(c.resource_types) for c in registry.checks if c.id == ident}
    assert len(python | graph) == 1, f"{ident} is not one loaded checkov check"
    return (python | graph).pop()


def test_every_entry_is_one_decision_with_a_reason() -> None:
    ids = [e["builtin"] for e in ENTRIES]
    assert len(ids) == len(set(ids)), "one entry per built-in"
    known = loaded_check_ids()
    for entry in ENTRIES:
        builtin_types(entry["builtin"])
        assert entry["decision"] in ("covered", "both") and len(entry["why"]) >= 20, entry
        assert not entry["builtin"].startswith(OURS), entry
        assert ("by" in entry) is (entry["decision"] == "covered"), entry
        if "by" in entry:
            assert entry["by"] in known and entry["by"].startswith(OURS), entry


def fixture_files(types) -> list[Path]:
    """Every fixture with a resource of one of `types` (synth: a resource block; plan: a change)."""
    found = []
    for file in sorted(FIXTURES.rglob("*.json")):
        doc = json.loads(file.read_text())
        names = {c["type"] for c in doc.get("resource_changes", [])} | set(doc.get("resource") or {})
        if names & set(types):
            found.append(file)
    return found


@pytest.mark.parametrize("entry", COVERED, ids=lambda e: f"{e['builtin']}-by-{e['by']}")
def test_a_covered_builtin_fails_nothing_ours_passes(entry: dict) -> None:
    types = builtin_types(entry["builtin"])
    files = fixture_files(types)
    assert files, f"no fixture has a {types} resource"
    judged = 0
    for file in files:
        theirs_passed, theirs_failed = scan(file, entry["builtin"])
        ours_passed, ours_failed = scan(file, entry["by"])
        assert theirs_failed <= ours_failed, f"{file}: {entry['builtin']} fails what {entry['by']} passes"
        assert theirs_passed | theirs_failed <= ours_passed | ours_failed, f"{file}: {entry['by']} does not judge it"
        judged += len(theirs_failed)
    assert judged, f"no fixture fails {entry['builtin']}: the comparison proved nothing"


def test_the_gate_does_not_run_covered_builtins(tmp_path: Path) -> None:
    file = FIXTURES / "sagemaker_notebook_no_root" / "fail.tf.json"
    passed, failed, _ = checkov_scan.scan(file, "synth")
    ran = {r.check_id for r in passed + failed}
    assert {"CKV_MLZ_44", "CKV_MLZ_45"} <= ran and not ran & set(covered_builtins())


def test_an_exception_naming_a_covered_builtin_fails_the_gate(tmp_path: Path) -> None:
    exceptions = tmp_path / "exceptions.yaml"
    exceptions.write_text(
        yaml.safe_dump(
            {
                "exceptions": [
                    {
                        "check_id": "CKV_AWS_307",
                        "resource": "fixture/bad_root",
                        "reason": "root needed for a kernel install trial",
                        "owner": "ml-platform",
                        "ticket": "test",
                        "expires": "2099-01-01",
                    }
                ]
            }
        )
    )
    result = run_gate([FIXTURES / "sagemaker_notebook_no_root" / "pass.tf.json"], exceptions_file=exceptions)
    assert any("names CKV_AWS_307, which the gate does not run: CKV_MLZ_44 covers it" in e for e in result.errors)


def test_the_readme_lists_every_overlap() -> None:
    readme = (GATE_ROOT / "policies" / "README.md").read_text()
    section = readme.split("## Built-in checks that overlap ours", 1)[1].split("\n## ", 1)[0]
    for entry in ENTRIES:
        row = next((line for line in section.splitlines() if line.startswith(f"| {entry['builtin']} |")), None)
        assert row, f"policies/README.md: add a row for {entry['builtin']}"
        assert entry.get("by", "both run") in row, row
