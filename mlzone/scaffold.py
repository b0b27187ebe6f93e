"""`mlzone new-project`: write a valid `projects/<name>.yaml` for a team to edit and send for review."""

from __future__ import annotations

from pathlib import Path

import yaml

from stacks.spec import SpecError, load_project

HEADER = "# yaml-language-server: $schema=../schemas/project.schema.json\n"


def write_project(root: Path, *, name: str, team: str, cost_center: str, data_classification: str) -> Path:
    """Validate and write the project spec (one notebook for the team); never overwrites a file."""
    path = Path(root) / "projects" / f"{name}.yaml"
    if path.exists():
        raise FileExistsError(f"{path} already exists; fix: choose another name or edit that file")
    body = {
        "name": name,
        "team": team,
        "cost_center": cost_center,
        "data_classification": data_classification,
        "notebooks": [{"owner": team}],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + yaml.safe_dump(body, sort_keys=False))
    try:
        load_project(path)
    except SpecError:
        path.unlink()
        raise
    return path
