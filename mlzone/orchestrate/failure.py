"""Exit-code rules: how a command ends (see the codes in mlzone.cli's help) and the zone lock around it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from mlzone.errors import FAILED, INTERRUPTED, REFUSED, Failure
from mlzone.orchestrate.stack import StackOutcome
from mlzone.terraform.children import Interrupted
from mlzone.verify import Check
from mlzone.workspace import StateError
from mlzone.zonelock import ZoneBusy, zone_lock
from modules.layout import WORK_DIR


def exit_code(outcomes: Sequence[StackOutcome], checks: Sequence[Check] = ()) -> int:
    """3 when a plan failed gate 2, else 1 when a step, a deploy record or a verify check failed, else 0."""
    if any(o.plan and not o.plan.gate_passed for o in outcomes):
        return REFUSED
    failed = any(o.error or o.record_error for o in outcomes) or any(not c.ok for c in checks)
    return FAILED if failed else 0


def interrupted(stop: Interrupted, names: list[str]) -> Failure:
    """Ctrl-C: what happened to each stack (Terraform's own account of it), exit 130."""
    lines = [s.describe() for s in stop.stopped]
    running = {s.stack for s in stop.stopped}
    for o in stop.results:
        if o.stack in running:
            continue
        if o.interrupted:
            lines.append(o.error.splitlines()[0])
        else:
            lines.append(f"stack {o.stack}: {o.result} before the interrupt")
    finished = running | {o.stack for o in stop.results}
    lines += [f"stack {n}: not started" for n in names if n not in finished]
    if not stop.stopped:
        lines.append("no Terraform step was running")
    return Failure(
        "interrupted (Ctrl-C):\n  " + "\n  ".join(lines) + "\nre-run the same command to converge "
        "(a plan is used once; the next run plans again from the saved state)",
        INTERRUPTED,
    )


@contextlib.contextmanager
def guarded(root: Path, command: str, target: str) -> Iterator[None]:
    """Hold the zone's lock (mlzone.zonelock), taken before anything else: a second command in the same
    folder is refused at once (exit 1), naming the first. An unreadable local state (StateError) ends it
    with exit 1, naming the file and the way back; Ctrl-C outside the Terraform steps with exit 130."""
    try:
        with zone_lock(root.resolve() / WORK_DIR, f"mlzone {command}", target):
            yield
    except ZoneBusy as exc:
        raise Failure(f"refused, nothing was done: {exc}", FAILED) from None
    except StateError as exc:
        raise Failure(str(exc), FAILED) from None
    except KeyboardInterrupt:  # outside the parallel Terraform steps (those end in `interrupted`)
        raise Failure(
            "interrupted (Ctrl-C) while no apply was running; re-run the command to finish it", INTERRUPTED
        ) from None
