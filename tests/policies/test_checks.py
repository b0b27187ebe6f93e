"""Every CKV_MLZ check against its fixtures: the exact set of passing and failing resources.

Fixture convention (tests/policies/fixtures/<check file stem>/): `pass*.json` and `fail*.json`,
cdktf-style Terraform JSON or a real `terraform show -json` plan (`*_plan.json`, made by
make_plan_fixtures.py). Resources named `good*` must pass the check, `bad*` must fail it, and
anything else (keys, helper resources) is not a subject of the check.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
import yaml

from mlzone.gate import checkov_scan
from mlzone.gate.checkov_scan import load_checkov, logical_id, record_address
from mlzone.gate.inputs import kind_of
from mlzone.gate.paths import CHECKS_DIR
from mlzone.gate.plan_views import shared_model_groups

CHECKS = CHECKS_DIR
FIXTURES = Path(__file__).parent / "fixtures"
OURS = ("CKV_MLZ_", "MLZ_")  # our ids: CKV_MLZ_<n> state checks, MLZ_PLAN_<n> change rules


def check_files() -> list[Path]:
    return sorted(p for p in CHECKS.iterdir() if p.suffix in (".py", ".yaml") and not p.name.startswith("_"))


def loaded_python_checks() -> dict[str, str]:
    """Check file stem -> id of the Python checks checkov loaded (it imports each file as a module of that name)."""
    from checkov.terraform.checks.resource.registry import resource_registry

    load_checkov()
    return {
        type(c).__module__: c.id
        for checks in (*resource_registry.checks.values(), *resource_registry.wildcard_checks.values())
        for c in checks
        if c.id.startswith(OURS)
    }


def check_id(file: Path) -> str:
    """The id of the check a file defines, read from what checkov loaded (YAML: its metadata)."""
    if file.suffix == ".yaml":
        return yaml.safe_load(file.read_text())["metadata"]["id"]
    loaded = loaded_python_checks()
    assert file.stem in loaded, f"{file.name} defines no check checkov loaded"
    return loaded[file.stem]


def fixtures() -> list[tuple[str, Path]]:
    """(check id, fixture file); a configuration planned from a prior state (`<name>.tfstate`, the
    change rules' fixtures) is only the source of its `<name>_plan.json`."""
    return [
        (check_id(f), fx)
        for f in check_files()
        for fx in sorted((FIXTURES / f.stem).glob("*.json"))
        if not fx.with_name(fx.name.removesuffix(".tf.json") + ".tfstate").is_file()
    ]


def subjects(doc: dict) -> set[str]:
    """Logical ids of the good*/bad* resources of a fixture (synth or plan)."""
    if kind_of(doc) == "plan":
        names = {c["name"] for c in doc.get("resource_changes", [])}
    else:
        names = {
            name for block in ("resource", "data") for resources in doc.get(block, {}).values() for name in resources
        }
    return {n for n in names if n.startswith(("good", "bad"))}


def scan(file: Path, ident: str) -> tuple[set[str], set[str]]:
    doc = json.loads(file.read_text())
    shared = shared_model_groups(doc)  # what the stack's JSON says other projects share with it
    passed, failed, errors = checkov_scan.scan(file, kind_of(doc), checks=[ident], shared_groups=shared)
    assert not errors, f"{file}: checkov could not parse it: {errors}"
    ids = lambda records: {logical_id(record_address(r.resource)) for r in records if r.check_id == ident}  # noqa: E731
    return ids(passed), ids(failed)


@pytest.mark.policy
@pytest.mark.parametrize(
    "ident,fixture", fixtures(), ids=lambda v: v if isinstance(v, str) else f"{v.parent.name}/{v.name}"
)
def test_fixture_passes_and_fails_exactly_the_named_resources(ident: str, fixture: Path) -> None:
    names = subjects(json.loads(fixture.read_text()))
    passed, failed = scan(fixture, ident)
    assert passed == {n for n in names if n.startswith("good")}, f"{ident} on {fixture}"
    assert failed == {n for n in names if n.startswith("bad")}, f"{ident} on {fixture}"
    if fixture.name.startswith("fail"):
        assert failed, f"{fixture} is a fail fixture but nothing failed"
    else:
        assert passed and not failed


@pytest.mark.policy
@pytest.mark.parametrize("check", check_files(), ids=lambda p: p.name)
def test_every_check_has_a_pass_and_a_fail_fixture(check: Path) -> None:
    names = [p.name for p in (FIXTURES / check.stem).glob("*.json")]
    assert any(n.startswith("pass") for n in names), f"{check.name}: add tests/policies/fixtures/{check.stem}/pass.json"
    assert any(n.startswith("fail") for n in names), f"{check.name}: add tests/policies/fixtures/{check.stem}/fail.json"


@pytest.mark.policy
def test_check_metadata_follows_the_conventions() -> None:
    """Unique CKV_MLZ ids, names starting with "Ensure", rationale + remediation, a guideline."""
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    load_checkov()
    ids = [check_id(f) for f in check_files()]
    assert len(ids) == len(set(ids)), f"duplicate check ids: {sorted(ids)}"
    python_checks = [
        c
        for checks in (*resource_registry.checks.values(), *resource_registry.wildcard_checks.values())
        for c in checks
    ]
    loaded = {c.id: c for c in python_checks if c.id.startswith(OURS)}
    loaded |= {c.id: c for c in get_graph_checks_registry("terraform").checks if c.id.startswith(OURS)}
    assert set(ids) == set(loaded), "every check file must load into checkov"
    for ident, check in loaded.items():
        assert check.name.startswith("Ensure "), ident
        assert "Remediation:" in check.guideline, ident
    for file in check_files():
        text = inspect.cleandoc(file.read_text())
        assert "Rationale" in text and "Remediation" in text, f"{file.name}: document rationale and remediation"


@pytest.mark.policy
def test_no_non_policy_yaml_in_the_checks_folder() -> None:
    """checkov reads every YAML/JSON in checks/ as a policy; anything else crashes the run."""
    for file in CHECKS.iterdir():
        if file.suffix in (".yaml", ".yml", ".json"):
            assert "metadata" in yaml.safe_load(file.read_text()), f"{file} is not a policy; move it out of checks/"


@pytest.mark.policy
def test_the_readme_has_one_row_per_check_id() -> None:
    """policies/README.md's checks table: one row per id, naming the file that defines it."""
    readme = (CHECKS.parent / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("| <a id=")]
    by_id = {}
    for row in rows:
        ident, file = (cell.strip() for cell in row.split("|")[1:3])
        by_id.setdefault(ident.rsplit("</a>", 1)[-1], []).append(file)
    for check in check_files():
        assert by_id.get(check_id(check)) == [check.name], (
            f"policies/README.md: one row for {check_id(check)} ({check.name})"
        )
    assert len(by_id) == len(check_files()), sorted(set(by_id) - {check_id(c) for c in check_files()})
