"""`mlzone request|release`: bad flags and bad input end with exit 2 before any AWS call, nothing written."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mlzone.cli import app
from tests.unit.self_service_zone import PROJECT, make_zone

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cluster", "--size", "small", "--instance-type", "ml.t3.medium"], "no --instance-type"),
        (["cluster"], "takes --size"),
        (["cluster", "--size", "huge"], "--size"),
        (["cluster", "--size", "small", "--idle-minutes", "2"], "--idle-minutes"),
        (["cluster", "--size", "small", "--name", "Bad_Name"], "--name"),
        (["notebook", "--instance-type", "m5.large"], "not a SageMaker instance type"),
        (["notebook"], "takes --instance-type"),
    ],
)
def test_bad_flags_exit_2_and_write_nothing(tmp_path, args, message):
    zone = make_zone(tmp_path)
    result = CliRunner().invoke(app, ["request", PROJECT, *args, "--root", str(zone)])
    assert result.exit_code == 2, result.output
    assert message in result.output.replace("\n", " ")
    assert not (zone / "requests").exists() and not (zone / ".mlzone").exists()


def test_a_project_without_guardrails_is_bad_input(tmp_path):
    zone = make_zone(tmp_path)
    result = CliRunner().invoke(app, ["request", "churn", "cluster", "--size", "small", "--root", str(zone)])
    assert result.exit_code == 2 and "no self_service guardrails" in result.output.replace("\n", " ")
    assert not (zone / "requests").exists()
