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


CLI_DOC = (ROOT / "docs" / "cli.md").read_text()


def doc_block(starting: str) -> str:
    """The fenced block of docs/cli.md that starts with `starting`, whitespace-normalized."""
    match = re.search(rf"```\n({re.escape(starting)}.*?)```", CLI_DOC, flags=re.S)
    assert match, f"docs/cli.md has no block starting {starting!r}"
    return " ".join(match.group(1).split())


def test_the_documented_ctrl_c_message_is_what_mlzone_prints(tmp_path, monkeypatch) -> None:
    import io

    from rich.console import Console

    from mlzone import render
    from mlzone.orchestrate.failure import interrupted
    from mlzone.orchestrate.stack import StackOutcome
    from mlzone.terraform.children import Interrupted, Stopped

    printed = io.StringIO()
    monkeypatch.setattr(render, "err", Console(file=printed, width=200))

    stopped = [
        Stopped("churn", "apply", tmp_path / "apply.log", 2.2, 1, acknowledged=True),
        Stopped("fraud-detection", "plan", tmp_path / "plan.log", 1.0, 1, acknowledged=True),
    ]
    exit_ = interrupted(
        Interrupted(stopped, [StackOutcome("platform", applied=True)]), ["platform", "churn", "fraud-detection"]
    )
    render.error(exit_.message)
    assert exit_.code == 130
    assert " ".join(printed.getvalue().split()) == doc_block("error: interrupted (Ctrl-C):")


def test_the_documented_busy_zone_message_is_what_mlzone_prints(tmp_path) -> None:
    import fcntl
    import json
    import os

    from mlzone.zonelock import LOCK_FILE, ZoneBusy, zone_lock

    (tmp_path / LOCK_FILE).write_text(
        json.dumps({"pid": 4242, "started": "2026-12-02T06:58:01Z", "command": "mlzone deploy", "target": "local"})
    )
    fd = os.open(tmp_path / LOCK_FILE, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # held by "another process" (another open file description)
    try:
        with pytest.raises(ZoneBusy) as busy, zone_lock(tmp_path, "mlzone plan", "local"):
            pass
    finally:
        os.close(fd)
    printed = f"error: refused, nothing was done: {busy.value}".replace(str(tmp_path / LOCK_FILE), ".mlzone/zone.lock")
    assert " ".join(printed.split()) == doc_block("error: refused, nothing was done:")


def test_readme_and_cli_help_list_the_same_exit_codes() -> None:
    from mlzone import cli

    listed = re.search(r"^- Exit codes:(.*?)\n(?:\n|- |#)", README, flags=re.S | re.M)
    assert listed, "README has no exit-code list"
    in_help = set(re.findall(r"^(\d+) ", cli.__doc__, flags=re.M)) | {"0"}
    assert set(re.findall(r"`(\d+)`", listed.group(1))) == in_help == {"0", "1", "2", "3", "4", "130"}
