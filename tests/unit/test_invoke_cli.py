"""`mlzone invoke` refuses a body that is not JSON (inline or @file) with exit 2 and no traceback, before
any AWS call; a JSON body is passed through as is."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mlzone.cli import app
from mlzone.serving.invoke import read_body


@pytest.mark.parametrize("body", ["{no", "@missing.json", "@bad.json"])
def test_non_json_bodies_exit_2_without_traceback(body: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text("a,b\n1,2\n")
    result = CliRunner().invoke(app, ["invoke", "fraud-detection", "scorer", body])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "fix:" in result.output


def test_a_json_body_inline_or_from_a_file_is_kept_byte_for_byte(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text('{"inputs": [[1, 2]]}')
    assert read_body(f"@{tmp_path / 'b.json'}") == b'{"inputs": [[1, 2]]}'
    assert read_body('[{"a": 1}]') == b'[{"a": 1}]'
    with pytest.raises(typer.BadParameter, match="not JSON"):
        read_body("x")
