"""Which stacks changed since a Git ref.

`changed_since`: synthesize the ref in a temporary `git worktree add --detach` (with the ref's own
`mlzone` code when the repository holds it, else the installed one) and compare each stack's
`cdk.tf.json` by hash with the current synth. New stacks count as changed; when the ref cannot be
synthesized at all, every stack counts as changed (planning too much is safe, too little is not).

Whether saved plans are the reviewed ones is mlzone.plans (`unreviewed`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SYNTH_TIMEOUT = 900  # seconds for synthesizing the ref (cdktf loads in ~10-20 s)


class ChangesError(RuntimeError):
    """The ref cannot be compared (not a Git repository, unknown ref)."""


@dataclass
class Changes:
    """The current stacks split by whether their synthesized JSON differs from the ref's."""

    ref: str
    changed: dict[str, str] = field(default_factory=dict)  # stack -> why it counts as changed
    unchanged: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per stack, for the console and the plan summary."""
        return [f"{s}: planned, {why}" for s, why in self.changed.items()] + [
            f"{s}: skipped, synthesized JSON unchanged since {self.ref}" for s in self.unchanged
        ]


def stack_hashes(out: Path) -> dict[str, str]:
    """sha256 of every `<out>/stacks/<stack>/cdk.tf.json`, by stack."""
    return {
        p.parent.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((out / "stacks").glob("*/cdk.tf.json"))
    }


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise ChangesError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def synth_ref(root: Path, ref: str, target: str) -> tuple[dict[str, str], str]:
    """(hashes of the stacks synthesized from `ref`, ''), or ({}, why) when the ref cannot be synthesized.

    The worktree is temporary and removed (with `git worktree prune`) whatever happens."""
    root = root.resolve()
    top = Path(_git(root, "rev-parse", "--show-toplevel"))
    commit = _git(root, "rev-parse", "--verify", f"{ref}^{{commit}}")
    with tempfile.TemporaryDirectory(prefix="mlzone-ref-") as tmp:
        tree = Path(tmp) / "tree"
        _git(top, "worktree", "add", "--detach", "--quiet", str(tree), commit)
        try:
            ref_root = tree / root.relative_to(top)
            env = {k: v for k, v in os.environ.items() if k not in ("CDKTF_OUTDIR", "MLZONE_ROOT")}
            # cwd = the worktree's top: `-m mlzone` imports the ref's own mlzone package when it has one.
            done = subprocess.run(
                [sys.executable, "-m", "mlzone", "synth", "--root", str(ref_root), "--target", target],
                cwd=tree,
                env=env,
                capture_output=True,
                text=True,
                timeout=SYNTH_TIMEOUT,
            )
            if done.returncode != 0 and not (ref_root / "cdktf.out" / "stacks").is_dir():
                last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["no output"]
                return {}, f"{ref} could not be synthesized ({last[0]})"
            return stack_hashes(ref_root / "cdktf.out"), ""
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(tree)], cwd=top, capture_output=True, timeout=120
            )
            subprocess.run(["git", "worktree", "prune"], cwd=top, capture_output=True, timeout=120)


def changed_since(root: Path, ref: str, target: str) -> Changes:
    """Split the stacks synthesized in `root/cdktf.out` by whether they differ from `ref`'s synth."""
    current = stack_hashes(root / "cdktf.out")
    before, failure = synth_ref(root, ref, target)
    changes = Changes(ref)
    for stack, digest in current.items():
        if failure:
            changes.changed[stack] = failure
        elif stack not in before:
            changes.changed[stack] = f"new since {ref}"
        elif before[stack] != digest:
            changes.changed[stack] = f"synthesized JSON differs from {ref}"
        else:
            changes.unchanged.append(stack)
    return changes
