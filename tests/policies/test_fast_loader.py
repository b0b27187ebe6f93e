"""The gate's libyaml line loader (mlzone/checkov_yaml.py) builds exactly the
documents checkov's pure-Python loader builds, line numbers included, on the example's stacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mlzone import checkov_yaml
from mlzone.gate.checkov_scan import load_checkov, scan
from tests.policies.example import write_stacks

FIXTURES = Path(__file__).parent / "fixtures"


def both(content: str) -> tuple[list, list]:
    from checkov.common.parsers.yaml.loader import SafeLineLoader

    return (
        list(yaml.load_all(content, Loader=checkov_yaml.line_loader())),
        list(yaml.load_all(content, Loader=SafeLineLoader)),
    )


@pytest.mark.policy
def test_libyaml_loader_is_identical_on_the_example_stacks(example_full_synth: dict[str, dict]) -> None:
    assert yaml.__with_libyaml__, "PyYAML without libyaml: the gate falls back to checkov's loader"
    for stack, doc in example_full_synth.items():
        for indent in (2, 1):  # cdktf writes indent 2; tests/policies/example.py writes indent 1
            fast, python = both(json.dumps(doc, indent=indent))
            assert fast == python, stack
            assert fast[0]["__startline__"] == 1 and fast[0]["__endline__"] > 100, stack


@pytest.mark.policy
def test_libyaml_loader_is_identical_on_every_fixture() -> None:
    for file in sorted(FIXTURES.rglob("*.json")):
        fast, python = both(file.read_text())
        assert fast == python, file


@pytest.mark.policy
def test_the_gate_parses_with_libyaml_and_falls_back_to_checkov(tmp_path: Path) -> None:
    from checkov.common.parsers.yaml import loader

    load_checkov()
    assert getattr(loader.loads, "libyaml", False), "the gate did not install the libyaml loader"
    assert loader.loads('{"a": {"b": true}}') == [
        {"a": {"b": True, "__startline__": 1, "__endline__": 1}, "__startline__": 1, "__endline__": 1}
    ]
    assert loader.loads("{a: [") == [None]  # unreadable: checkov's own loader gives its answer


@pytest.mark.policy
def test_the_gate_finds_the_same_with_either_loader(
    example_full_synth: dict[str, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from checkov.common.parsers.yaml import loader

    load_checkov()

    def records(file: Path) -> tuple[set, set]:
        passed, failed, errors = scan(file, "synth")
        assert not errors
        key = lambda r: (r.check_id, r.resource, tuple(r.details or ()))  # noqa: E731
        return set(map(key, passed)), set(map(key, failed))

    files = write_stacks(tmp_path, example_full_synth)
    fast = {stack: records(file) for stack, file in files.items()}
    monkeypatch.setattr(loader, "loads", loader.loads.python)
    assert {stack: records(file) for stack, file in files.items()} == fast
    assert all(passed for passed, _ in fast.values())
