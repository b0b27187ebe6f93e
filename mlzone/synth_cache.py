"""Project stacks whose inputs did not change since the last synth into the same folder are not built again.

A project's key (`KEY_FILE`, beside its stack's cdk.tf.json) hashes everything its stacks are built from: the
platform and project specs, what other projects share with it, its self-service requests, the target, the zone's
folder, and mlzone's code, libraries and settings (`mlzone.fingerprint`). A project is reused only when its key
matches and its stacks' cdk.tf.json (not blocked by the gate) and manifest entries are there; the platform stack is
always built. Gate 1 still judges every stack (`mlzone.gate.scan_cache` spares it the unchanged files' scans).
Delete `cdktf.out` to build everything anew.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlzone import fingerprint
from modules.naming import self_service_stack_name
from stacks.project_stack import shared_with
from stacks.self_service_spec import load_requests
from stacks.spec import ProjectSpec, Zone
from stacks.target import Target

KEY_FILE = "synth-key"
MANIFEST = "manifest.json"  # cdktf's list of the synthesized stacks, in the output folder


def project_key(zone: Zone, project: ProjectSpec, target: Target) -> str:
    """sha256 of every input of `project`'s stacks."""
    inputs = {
        "code": fingerprint.code(),
        "settings": fingerprint.settings(),
        "target": target.kind,
        "root": str(Path(zone.root).resolve()),
        "platform": zone.platform.model_dump(mode="json"),
        "project": project.model_dump(mode="json"),
        "shared_with": shared_with(zone, project.name),
        "requests": load_requests(zone.root, project.name).model_dump(mode="json") if project.self_service else None,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def stacks_of(project: ProjectSpec) -> list[str]:
    """The stacks a project's spec makes: its own and, with self-service guardrails, its self-service stack."""
    return [project.name, *([self_service_stack_name(project.name)] if project.self_service else [])]


@dataclass
class SynthCache:
    """The projects of one synth that can be reused from `out`, and what to record once the rest are built."""

    out: Path
    keys: dict[str, str]  # project -> its key now
    reused: set[str] = field(default_factory=set)  # projects whose stacks in `out` are current
    manifest: dict[str, Any] = field(default_factory=dict)  # the manifest before this synth

    @staticmethod
    def read(zone: Zone, target: Target, out: Path) -> SynthCache:
        """What in `out` is current for `zone` on `target`."""
        cache = SynthCache(out, {p.name: project_key(zone, p, target) for p in zone.projects})
        try:
            cache.manifest = json.loads((out / MANIFEST).read_text())
            entries = cache.manifest["stacks"]
        except (OSError, ValueError, KeyError, TypeError):
            return cache
        for project in zone.projects:
            folders = [out / "stacks" / name for name in stacks_of(project)]
            if _read(folders[0] / KEY_FILE) == cache.keys[project.name] and all(
                (f / "cdk.tf.json").is_file() and f.name in entries for f in folders
            ):
                cache.reused.add(project.name)
        return cache

    def record(self, zone: Zone) -> None:
        """After `app.synth()` built the other projects: their keys, and the reused stacks back in the manifest."""
        for project in zone.projects:
            if project.name not in self.reused:
                (self.out / "stacks" / project.name / KEY_FILE).write_text(self.keys[project.name])
        if not self.reused:
            return
        manifest_file = self.out / MANIFEST
        manifest = json.loads(manifest_file.read_text())
        old = self.manifest["stacks"]
        kept = {name: old[name] for p in zone.projects if p.name in self.reused for name in stacks_of(p)}
        manifest["stacks"] = dict(sorted({**manifest["stacks"], **kept}.items()))
        # as cdktf writes it, so the folder is byte-identical to a synth that built every stack
        manifest_file.write_text(re.sub(r'(?m)^( *)("[^"]+": )\[\]', r"\1\2[\n\1]", json.dumps(manifest, indent=2)))


def _read(file: Path) -> str | None:
    try:
        return file.read_text()
    except OSError:
        return None
