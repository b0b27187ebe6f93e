"""The `mlzone` CLI through typer's CliRunner: flags, exit codes and messages that need no Terraform run."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
import yaml
from typer.testing import CliRunner

from mlzone.cli import app
from mlzone.commands.common import TargetChoice
from stacks.spec import load_project
from stacks.target import TargetKind

pytestmark = pytest.mark.unit
runner = CliRunner()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A project folder with one synthesized (empty) stack per name, as `mlzone synth` leaves it."""
    (tmp_path / "platform.yaml").write_text(yaml.safe_dump({"name": "acme-ml", "region": "eu-west-1"}))
    for stack in ("platform", "churn"):
        folder = tmp_path / "cdktf.out" / "stacks" / stack
        folder.mkdir(parents=True)
        (folder / "cdk.tf.json").write_text("{}")
    return tmp_path


def test_help_documents_the_exit_codes() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "Exit codes: 0 success" in result.output and "3 refused" in result.output


def test_new_project_writes_a_valid_spec_and_never_overwrites(tmp_path: Path) -> None:
    args = ["new-project", "fraud", "--team", "risk", "--cost-center", "CC-1234", "--root", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    spec = load_project(tmp_path / "projects" / "fraud.yaml")
    assert (spec.team, spec.cost_center, spec.data_classification) == ("risk", "CC-1234", "internal")
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "already exists" in again.output


def test_new_project_with_an_invalid_name_fails_with_the_fix_and_leaves_no_file(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["new-project", "Fraud_Detection", "--team", "risk", "--cost-center", "CC-1", "--root", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "fix:" in result.output
    assert not list((tmp_path / "projects").glob("*.yaml"))


def test_destroying_the_platform_needs_an_explicit_flag(root: Path) -> None:
    result = runner.invoke(app, ["destroy", "platform", "--root", str(root), "--target", "aws"])
    assert result.exit_code == 3
    assert "--include-platform" in result.output


@pytest.mark.parametrize("command", ["plan", "deploy"])
def test_an_unknown_stack_is_invalid_input_naming_the_known_ones(root: Path, command: str) -> None:
    result = runner.invoke(app, [command, "nope", "--root", str(root), "--target", "aws", "--no-synth"])
    assert result.exit_code == 2
    assert "unknown stack(s) nope" in result.output and "platform, churn" in result.output


def test_an_unknown_target_is_invalid_input(root: Path) -> None:
    result = runner.invoke(app, ["plan", "--root", str(root), "--target", "gcp", "--no-synth"])
    assert result.exit_code == 2 and "local or aws" in result.output


def test_the_target_choices_are_the_target_kinds() -> None:
    assert {c.value for c in TargetChoice} == set(get_args(TargetKind))


def test_bootstrap_needs_a_state_bucket_in_the_spec(root: Path) -> None:
    result = runner.invoke(app, ["bootstrap", "--root", str(root)])
    assert result.exit_code == 2 and "state_bucket" in result.output


@pytest.mark.parametrize("command", ["verify", "status"])
def test_without_a_kept_emulator_nothing_is_deployed_locally(root: Path, command: str) -> None:
    result = runner.invoke(app, [command, "--root", str(root)])
    assert result.exit_code == 1 and "fix: `mlzone deploy`" in result.output


def test_stop_without_a_kept_emulator_says_so(root: Path) -> None:
    result = runner.invoke(app, ["stop", "--root", str(root)])
    assert result.exit_code == 0 and "no local emulator was kept" in result.output
