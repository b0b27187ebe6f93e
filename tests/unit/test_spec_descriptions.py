"""Every field of both specs, nested ones included, carries a description (editors and the JSON Schema show it)."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.spec import PlatformSpec, ProjectSpec


def bare_fields(schema: dict[str, Any]) -> list[str]:
    """Dotted paths of properties without a description, in the schema and its definitions."""
    found = []
    for owner, node in [("", schema), *((f"$defs.{k}", v) for k, v in schema.get("$defs", {}).items())]:
        for name, prop in node.get("properties", {}).items():
            if not prop.get("description"):
                found.append(f"{owner or node.get('title', '')}.{name}")
    return found


@pytest.mark.parametrize("model", [PlatformSpec, ProjectSpec])
def test_every_spec_field_has_a_description(model) -> None:
    assert bare_fields(model.model_json_schema()) == []


def test_a_bare_nested_field_is_found() -> None:
    from pydantic import BaseModel, Field

    class Inner(BaseModel):
        size: int = 1

    class Outer(BaseModel):
        inner: Inner = Field(description="described")

    assert bare_fields(Outer.model_json_schema()) == ["$defs.Inner.size"]
