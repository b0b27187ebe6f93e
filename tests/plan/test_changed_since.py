"""`--changed-since REF` with a real Git repository: REF is synthesized in a temporary worktree and each
stack's cdk.tf.json compared by hash; changed and new stacks are planned, the others skipped with the
reason; the worktree is gone afterwards. (Marker `plan`: each synth loads cdktf, ~15 s.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mlzone.changes import changed_since
from mlzone.cli import app

pytestmark = pytest.mark.plan
REPO = Path(__file__).resolve().parents[2]
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True, text=True).stdout


def mlzone(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def new_project(root: Path, name: str) -> None:
    result = mlzone("new-project", name, "--team", "risk", "--cost-center", "CC-1234", "--root", str(root))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def zone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A zone repository (platform + project alpha) with one commit, synthesized as committed."""
    root = tmp_path_factory.mktemp("zone")
    shutil.copy(REPO / "platform.yaml", root)
    new_project(root, "alpha")
    (root / ".gitignore").write_text("cdktf.out/\n.mlzone/\n")
    git(root, "init", "--quiet", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "zone")
    assert mlzone("synth", "--root", str(root)).exit_code == 0
    return root


def test_with_nothing_changed_every_stack_is_skipped_with_the_reason_and_nothing_is_planned(zone: Path) -> None:
    result = mlzone("plan", "--root", str(zone), "--no-synth", "--changed-since", "HEAD", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stacks"] == []
    for stack in ("platform", "alpha"):
        assert f"{stack}: skipped, synthesized JSON unchanged since HEAD" in result.output
    assert "alpha: skipped" in (zone / ".mlzone" / "plan-summary.md").read_text()
    assert not (zone / ".mlzone" / "plans").exists()
    assert not (zone / ".mlzone" / "emulator.json").exists(), "no emulator was started"


def test_a_changed_and_a_new_project_count_as_changed_the_platform_does_not(zone: Path) -> None:
    spec = yaml.safe_load((zone / "projects" / "alpha.yaml").read_text())
    (zone / "projects" / "alpha.yaml").write_text(yaml.safe_dump({**spec, "cost_center": "CC-9999"}))
    new_project(zone, "beta")
    assert mlzone("synth", "--root", str(zone)).exit_code == 0
    changes = changed_since(zone, "HEAD", "local")
    assert changes.changed == {"alpha": "synthesized JSON differs from HEAD", "beta": "new since HEAD"}
    assert changes.unchanged == ["platform"]
    assert git(zone, "worktree", "list").count("\n") == 1, "the temporary worktree was removed"
    assert git(zone, "status", "--porcelain") == " M projects/alpha.yaml\n?? projects/beta.yaml\n"


def test_an_unknown_ref_is_invalid_input(zone: Path) -> None:
    result = mlzone("plan", "--root", str(zone), "--no-synth", "--changed-since", "no-such-ref")
    assert result.exit_code == 2
    assert "--changed-since no-such-ref" in result.output
