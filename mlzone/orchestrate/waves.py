"""Stacks in waves: the platform alone first, then the projects `parallel` at a time, then their self-service
stacks (each reads its project's outputs); reversed to destroy."""

from __future__ import annotations

from collections.abc import Iterable

from mlzone.orchestrate.stack import Progress, Recorder, StackOutcome, quiet, run_one
from mlzone.terraform.children import Interrupted, clear_interrupt, run_parallel
from mlzone.workspace import Workspace
from modules.naming import stack_reads


def run_stacks(
    ws: Workspace,
    stacks: Iterable[str],
    apply: bool,
    destroy: bool = False,
    parallel: int = 2,
    progress: Progress = quiet,
    reviewed_only: bool = False,
    record: Recorder | None = None,
) -> list[StackOutcome]:
    """Plan (and apply) stacks in waves (`waves`): the platform, the projects `parallel` at a time, their
    self-service stacks.

    Destroy runs in the opposite order. A failed wave stops the later ones. Each apply is passed to
    `record` (deploy records).
    Ctrl-C interrupts every running Terraform child at once and raises Interrupted (terraform.run_parallel)
    with the outcomes of the stacks that finished.
    """
    order = waves(stacks)
    if destroy:
        order.reverse()
    outcomes: list[StackOutcome] = []
    clear_interrupt()
    try:
        for wave in order:
            done = run_parallel(
                lambda s: run_one(ws, s, apply, destroy, progress, reviewed_only, record), wave, parallel
            )
            outcomes += done
            if apply and any(o.stops_the_run for o in done):
                break
    except Interrupted as stop:
        raise Interrupted(stop.stopped, outcomes + stop.results) from None
    return outcomes


def depth(stack: str) -> int:
    """0 for a stack that reads no other, else one more than the deepest stack it reads."""
    return 1 + max(map(depth, stack_reads(stack))) if stack_reads(stack) else 0


def waves(stacks: Iterable[str]) -> list[list[str]]:
    """`stacks` grouped so that each stack comes after every stack it reads (`stack_reads`), in deploy order."""
    stacks = list(stacks)
    levels = sorted({depth(s) for s in stacks})
    return [[s for s in stacks if depth(s) == level] for level in levels]
