"""`ProjectSpec.physical_names` is the list `load_zone` refuses collisions on; it must hold every
name the project stacks really give their resources, so it is checked against the synthesized example."""

from __future__ import annotations

import re

import pytest

from modules.naming import CONTENT_HASH_LEN
from stacks.spec import ProjectSpec

pytestmark = pytest.mark.unit

# Names that need not be unique beyond their parent (so two projects cannot collide on them).
SCOPED = {
    "aws_iam_role_policy": "an inline policy's name is unique only within its role",
    "aws_kms_alias": "alias/<platform>-<project>-data: the project name itself is unique in the zone",
}


def literal_names(doc: dict) -> set[tuple[str, str]]:
    """(resource type, name) of every literal name attribute in a synthesized stack."""
    out = set()
    for type_, resources in doc.get("resource", {}).items():
        if type_ in SCOPED:
            continue
        for conf in resources.values():
            for key, value in conf.items():
                if (key == "name" or key.endswith("_name")) and isinstance(value, str) and "${" not in value:
                    out.add((type_, value))
    return out


HASHED = {"aws_sagemaker_model", "aws_sagemaker_endpoint_configuration"}  # `<name>-<content hash>`


def unhashed(kind: str, name: str) -> str:
    """The name before its content-hash suffix (modules/naming.py content_name), for the hashed kinds."""
    return re.sub(rf"-[0-9a-f]{{{CONTENT_HASH_LEN}}}$", "", name) if kind in HASHED else name


def test_physical_names_cover_every_synthesized_name(zone, example_synth):
    for project in zone.projects:
        predicted = {n.name for n in project.physical_names()}
        missing = {
            (t, n)
            for t, n in literal_names(example_synth[project.name])
            if n not in predicted and unhashed(t, n) not in predicted
        }
        assert not missing, f"{project.name}: add these to ProjectSpec.physical_names: {sorted(missing)}"


def test_prefix_projects_never_collide():
    fraud = ProjectSpec.model_validate(
        {
            "name": "fraud",
            "team": "risk",
            "cost_center": "CC-1",
            "data_classification": "internal",
            "models": [{"name": "detection-fraud-scorer"}],
        }
    )
    other = ProjectSpec.model_validate(
        {
            "name": "fraud-detection",
            "team": "risk",
            "cost_center": "CC-1",
            "data_classification": "internal",
            "models": [{"name": "fraud-scorer"}],
        }
    )
    shared = {(n.kind, n.name) for n in fraud.physical_names()} & {(n.kind, n.name) for n in other.physical_names()}
    assert not shared  # fraud--detection-fraud-scorer vs fraud-detection--fraud-scorer (modules/naming.py)
