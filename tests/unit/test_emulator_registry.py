"""The README's emulator-gap table lists exactly the registered gap handlers (issue 10 §2, §5)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlzone.emulator import registry

pytestmark = pytest.mark.unit

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| `(?P<service>[a-z0-9-]+)` \| (?P<operations>[^|]+) \|")


def table() -> set[tuple[str, str]]:
    """(service, operation) pairs of the "Local emulator gaps" table's first two columns."""
    section = README.read_text().split("## Local emulator gaps", 1)[1].split("\n## ", 1)[0]
    pairs = set()
    for line in section.splitlines():
        if row := ROW.match(line):
            pairs |= {(row["service"], op) for op in re.findall(r"`(\w+)`", row["operations"])}
    return pairs


def registered() -> set[tuple[str, str]]:
    return {(fill.service, op) for fill in registry.load() for op in fill.operations}


def test_every_registered_handler_is_in_the_readme_table() -> None:
    assert registered(), "no gap handler registered"
    assert registered() - table() == set(), "add these to README.md's 'Local emulator gaps' table"


def test_the_readme_table_lists_only_registered_handlers() -> None:
    assert table() - registered() == set(), "README.md lists handlers that are not registered"
