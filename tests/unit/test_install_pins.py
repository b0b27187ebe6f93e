"""scripts/install.sh installs pinned versions that agree with pyproject.toml's exact pins."""

from __future__ import annotations

import json
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

pytestmark = pytest.mark.unit
PINS = ROOT / "scripts"


def pins() -> dict[str, str]:
    """name -> version of each line of scripts/constraints.txt, which all read `name==version`."""
    lines = [line for line in (PINS / "constraints.txt").read_text().splitlines() if line and not line.startswith("#")]
    found: dict[str, str] = {
        canonicalize_name(name): version for name, _, version in (line.partition("==") for line in lines)
    }
    assert len(found) == len(lines) and all(found.values()), "every line of scripts/constraints.txt is name==version"
    return found


def test_constraints_pin_every_declared_package_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = pins()
    for line in project["dependencies"] + project["optional-dependencies"]["dev"]:
        requirement = Requirement(line)
        version = pinned.get(canonicalize_name(requirement.name))
        assert version, f"{requirement.name} is declared in pyproject.toml but not pinned in scripts/constraints.txt"
        assert requirement.specifier.contains(version), (
            f"constraints.txt pins {requirement.name}=={version}: not {line}"
        )


def test_cdktf_cli_lockfile_pins_the_cli_of_the_python_bindings():
    package = json.loads((PINS / "cdktf-cli" / "package.json").read_text())
    lock = json.loads((PINS / "cdktf-cli" / "package-lock.json").read_text())
    cdktf = pins()["cdktf"]
    assert package["dependencies"] == {"cdktf-cli": cdktf} == lock["packages"][""]["dependencies"]
    assert lock["packages"]["node_modules/cdktf-cli"]["version"] == cdktf
    fetched = [entry for path, entry in lock["packages"].items() if path and not entry.get("inBundle")]
    assert fetched and all("integrity" in entry for entry in fetched), "npm ci checks every download's hash"
