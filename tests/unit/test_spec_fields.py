"""Every field of both spec models is documented: `Field(description=...)`, shipped in the JSON Schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from stacks.spec import PlatformSpec, ProjectSpec, json_schemas

pytestmark = pytest.mark.unit
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def models(model: type[BaseModel], seen: set | None = None) -> set[type[BaseModel]]:
    """`model` and every model reachable from its fields."""
    seen = set() if seen is None else seen
    seen.add(model)
    for field in model.model_fields.values():
        for arg in _types(field.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg not in seen:
                models(arg, seen)
    return seen


def _types(annotation) -> list:
    args = getattr(annotation, "__args__", None)
    return [annotation] if not args else [t for a in args for t in _types(a)]


@pytest.mark.parametrize("root", [PlatformSpec, ProjectSpec])
def test_every_field_has_a_description(root):
    missing = [
        f"{m.__name__}.{name}"
        for m in models(root)
        for name, f in m.model_fields.items()
        if not (f.description or "").strip()
    ]
    assert not missing, f"fields without a description: {missing}"


@pytest.mark.parametrize("kind", ["platform", "project"])
def test_every_schema_property_has_a_description(kind):
    schema = json_schemas()[kind]
    missing = [
        f"{m.get('title')}.{key}"
        for m in [schema, *schema.get("$defs", {}).values()]
        for key, prop in m.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert not missing, f"schema properties without a description: {missing}"


@pytest.mark.parametrize("kind", ["platform", "project"])
def test_shipped_schemas_are_current(kind):
    assert json.loads((SCHEMAS / f"{kind}.schema.json").read_text()) == json_schemas()[kind], (
        "regenerate with `mlzone schema --out schemas`"
    )
