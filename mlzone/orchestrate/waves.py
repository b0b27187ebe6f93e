"""Stacks in waves: the platform alone first, then the projects `parallel` at a time (reversed to destroy)."""

from __future__ import annotations

from collections.abc import Iterable

from mlzone.orchestrate.stack import Progress, Recorder, StackOutcome, quiet, run_one
from mlzone.terraform import Interrupted, clear_interrupt, run_parallel
from mlzone.workspace import Workspace
from modules.naming import PLATFORM_STACK


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
    """Plan (and apply) stacks: the platform alone first, then projects `parallel` at a time.

    Destroy runs in the opposite order (projects first). A failed platform stops the projects.
    Each apply is passed to `record` (deploy records).
    Ctrl-C interrupts every running Terraform child at once and raises Interrupted (terraform.run_parallel)
    with the outcomes of the stacks that finished.
    """
    stacks = list(stacks)
    first = [s for s in stacks if s == PLATFORM_STACK]
    rest = [s for s in stacks if s != PLATFORM_STACK]
    waves = [rest, first] if destroy else [first, rest]
    outcomes: list[StackOutcome] = []
    clear_interrupt()
    try:
        for wave in filter(None, waves):
            done = run_parallel(
                lambda s: run_one(ws, s, apply, destroy, progress, reviewed_only, record), wave, parallel
            )
            outcomes += done
            if apply and any(o.stops_the_run for o in done):
                break
    except Interrupted as stop:
        raise Interrupted(stop.stopped, outcomes + stop.results) from None
    return outcomes
