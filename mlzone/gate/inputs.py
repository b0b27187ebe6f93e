"""The gate's inputs: which files, which kind (synth or plan), their stack and construct paths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def collect(paths: list[Path]) -> list[Path]:
    """Gate inputs: the files given, and every cdk.tf.json / plan*.json found under folders given."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*.json")
                if (p.name == "cdk.tf.json" or p.name.startswith("plan")) and ".terraform" not in p.parts
            )
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder; fix: pass a cdk.tf.json, a plan JSON or a folder")
    return found


def kind_of(doc: Any) -> str:
    if not isinstance(doc, dict):
        return "unknown"
    if "resource_changes" in doc or "planned_values" in doc:
        return "plan"
    if "resource" in doc or "//" in doc:
        return "synth"
    return "unknown"


def construct_paths(synth: dict) -> dict[str, str]:
    """`<type>.<logicalId>` (`data.<type>.<logicalId>`) and `<logicalId>` -> construct path, from cdk.tf.json."""
    paths: dict[str, str] = {}
    for block, prefix in (("data", "data."), ("resource", "")):
        for type_, resources in (synth.get(block) or {}).items():
            for logical_id, body in resources.items():
                path = ((body or {}).get("//") or {}).get("metadata", {}).get("path")
                if path:
                    paths[f"{prefix}{type_}.{logical_id}"] = paths[logical_id] = path
    return paths


def stack_name(file: Path, synth: dict | None) -> str:
    meta = ((synth or {}).get("//") or {}).get("metadata", {})
    return meta.get("stackName") or file.parent.name


def synth_for(file: Path, doc: dict, kind: str) -> dict | None:
    """The synthesized stack of `file`: itself, or for a plan the cdk.tf.json next to it (None if absent)."""
    if kind == "synth":
        return doc
    sibling = file.parent / "cdk.tf.json"
    try:
        return json.loads(sibling.read_text()) if sibling.is_file() else None
    except ValueError:
        return None
