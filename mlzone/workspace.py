"""One zone folder on one target: its paths, the plan-cache key, local state, the emulator it runs on.

Plans live in `.mlzone/plans/<stack>/` (mlzone.plans). A plan is *current* when the stack's synthesized
JSON, the target's variables and the state it was made against are unchanged (`Workspace.plan_key`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlzone import emulator
from mlzone.terraform import Terraform, TerraformError, find_mirror, write_cli_config
from modules.layout import LOCAL_STATE_DIR, STACKS_DIR, WORK_DIR
from modules.naming import PLATFORM_STACK, stack_reads
from stacks.spec import load_platform


class StateError(TerraformError):
    """A local state file that Terraform could not use; the message names it and the way back."""


@dataclass(frozen=True)
class Workspace:
    """One project folder (platform.yaml, projects/, cdktf.out/) and one target."""

    root: Path
    target: str = "local"  # local | aws
    emulator_url: str = ""  # the live emulator (local target)
    timeout: int = 1800  # seconds per Terraform step

    @property
    def work(self) -> Path:
        return self.root / WORK_DIR

    @property
    def region(self) -> str:
        return load_platform(self.root / "platform.yaml").region

    def stack_dir(self, stack: str) -> Path:
        return self.root / STACKS_DIR / stack

    def stacks(self) -> list[str]:
        """Synthesized stacks, platform first."""
        found = sorted(p.parent.name for p in (self.root / STACKS_DIR).glob("*/cdk.tf.json"))
        return sorted(found, key=lambda s: s != PLATFORM_STACK)

    def plan_dir(self, stack: str) -> Path:
        return self.work / "plans" / stack

    def terraform(self, stack: str) -> Terraform:
        env = (("TF_VAR_emulator_url", self.emulator_url),) if self.target == "local" else ()
        return Terraform(
            stack_dir=self.stack_dir(stack),
            cli_config=write_cli_config(self.work, find_mirror()),
            env=env,
            timeout=self.timeout,
            log_dir=self.work / "logs",
        )

    def interrupted_marker(self, stack: str) -> Path:
        """Present while the stack's last apply was stopped by Ctrl-C (mlzone.orchestrate.stack)."""
        return self.work / "interrupted" / stack

    def local_state(self, stack: str) -> Path:
        return self.root / LOCAL_STATE_DIR / f"{stack}.tfstate"

    def reset_local_state(self) -> None:
        """A fresh emulator holds nothing: drop local state and plans made against an older one."""
        for folder in (self.root / LOCAL_STATE_DIR, self.work / "plans", self.work / "interrupted"):
            shutil.rmtree(folder, ignore_errors=True)

    def check_local_states(self) -> None:
        """Raise StateError naming the first local state file that is not a readable Terraform state."""
        for state in sorted((self.root / LOCAL_STATE_DIR).glob("*.tfstate")):
            read_state(state)

    def plan_key(self, stack: str, destroy: bool = False) -> str:
        """Hash of what a plan depends on: synthesized JSON, target variables, state it was made against."""
        digest = hashlib.sha256()
        digest.update((self.stack_dir(stack) / "cdk.tf.json").read_bytes())
        digest.update(json.dumps([self.target, self.emulator_url, destroy]).encode())
        for depends in sorted({stack, *stack_reads(stack)}):  # the states whose outputs the plan read
            state = self.local_state(depends)
            if state.is_file():
                doc = read_state(state)
                digest.update(f"{depends}:{doc.get('lineage')}:{doc.get('serial')}".encode())
        return digest.hexdigest()


def read_state(path: Path) -> dict[str, Any]:
    """A local Terraform state as JSON; StateError for an empty, truncated or non-JSON file.

    Terraform reads an empty state file as "nothing deployed" (and would create everything again) and
    reports a truncated one with its details cut off, so both are refused here, before Terraform runs."""
    data = path.read_bytes()
    try:
        doc = json.loads(data) if data.strip() else None
    except ValueError as exc:
        problem = f"not valid JSON ({exc.msg} at byte {exc.pos} of {len(data)}: truncated?)"
    else:
        if isinstance(doc, dict):
            return doc
        problem = f"empty ({len(data)} bytes)" if doc is None else "not a JSON object"
    backup = path.with_name(path.name + ".backup")
    way_back = (
        f"Terraform keeps the state before its last write in {backup}; fix: check it and restore it "
        f"(`cp {backup} {path}`), then plan again (a resource created after that backup must be imported)"
        if backup.is_file()
        else "there is no backup next to it; fix: if the emulator holds nothing you need, `mlzone stop` and deploy "
        "again (a fresh emulator starts from an empty state)"
    )
    raise StateError(f"{path} is not a readable Terraform state: {problem}; {way_back}")


def stack_state(ws: Workspace, stack: str) -> dict[str, Any]:
    """The stack's current state as `terraform show -json` prints it ({} when nothing is deployed)."""
    tf = ws.terraform(stack)
    tf.init()
    return json.loads(tf.run("show", "-json", "-no-color", log_as="show-state").stdout or "{}")


def state_resources(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Managed resources of a `terraform show -json` state (root module only: cdktf writes no modules)."""
    return [r for r in state.get("values", {}).get("root_module", {}).get("resources", []) if r["mode"] == "managed"]


def state_outputs(state: dict[str, Any]) -> dict[str, Any]:
    """Output values of a `terraform show -json` state, by name."""
    return {k: v.get("value") for k, v in state.get("values", {}).get("outputs", {}).items()}


def resolve_stacks(ws: Workspace, names: Iterable[str]) -> list[str]:
    """The requested stacks (all synthesized ones when none), validated; platform first."""
    known = ws.stacks()
    names = list(names)
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"unknown stack(s) {', '.join(unknown)}; synthesized stacks: {', '.join(known) or 'none'}")
    return [s for s in known if not names or s in names]


def deployed_locally(root: Path) -> bool:
    """Whether a kept local emulator (the local zone) is running for this folder."""
    return emulator.kept_url(root / WORK_DIR) is not None


@contextlib.contextmanager
def open_workspace(root: Path, target: str, keep: bool = True) -> Iterator[Workspace]:
    """The workspace for one command; on the local target with an emulator (kept, reused or stopped on exit).

    A freshly started emulator holds nothing, so local state and plans of an older one are dropped; the
    state kept for a reused one must be readable (StateError). The caller holds the zone lock
    (mlzone.zonelock), so no other command is using the state being dropped.
    """
    root = root.resolve()
    if target != "local":
        yield Workspace(root, target)
        return
    with emulator.Emulator(root / WORK_DIR, keep=keep) as emu:
        ws = Workspace(root, target, emulator_url=emu.url)
        if not emu.reused:
            ws.reset_local_state()
        ws.check_local_states()
        yield ws
