"""The README's examples work when pasted: its specs validate and its commands are what CI runs."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from stacks.spec import PlatformSpec, ProjectSpec
from tests.conftest import ROOT

pytestmark = pytest.mark.unit
README = (ROOT / "README.md").read_text()


def block_after(marker: str) -> str:
    match = re.search(rf"<!-- {marker} -->\s*```bash\n(.*?)```", README, flags=re.S)
    assert match, f"README has no {marker} block"
    return match.group(1).strip()


def test_readme_specs_validate():
    blocks = re.findall(r"```yaml\n(.*?)```", README, flags=re.S)
    platforms = [b for b in blocks if b.startswith("# platform.yaml")]
    projects = [b for b in blocks if b.startswith("# projects/")]
    assert platforms and projects
    for block in platforms:
        PlatformSpec.model_validate(yaml.safe_load(block))
    for block in projects:
        ProjectSpec.model_validate(yaml.safe_load(block))


def test_readme_project_example_is_the_shipped_example():
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", README, flags=re.S) if b.startswith("# projects/"))
    shipped = yaml.safe_load((ROOT / "projects" / "fraud-detection.yaml").read_text())
    assert yaml.safe_load(block) == shipped


def test_ci_runs_the_readme_test_command():
    printed = subprocess.run(["bash", ".ci/run", "--print"], cwd=ROOT, capture_output=True, text=True, check=True)
    command = block_after("test-command")
    assert printed.stdout.strip() == command
    assert "pytest" in command and "scripts/install.sh" in command


def test_readme_deploy_command_runs_mlzone_deploy():
    assert block_after("deploy-command") == "bash scripts/install.sh && .venv/bin/mlzone deploy"
