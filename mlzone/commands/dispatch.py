"""How a top-level command ends: a Failure becomes its message and exit code; a command that changes the
zone holds the zone's lock while it runs. And the run options the plan/deploy/destroy/drift flags make."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlzone.commands.common import TargetChoice, reported
from mlzone.orchestrate.failure import guarded
from mlzone.orchestrate.run import Mode, RunOptions


def dispatch(command: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """End the command through `reported`; with `command`, hold the zone's lock
    (mlzone.orchestrate.failure.guarded) while it runs."""

    def wrap(body: Callable[..., Any]) -> Callable[..., Any]:
        @reported
        @functools.wraps(body)
        def dispatched(*args: Any, **kwargs: Any) -> Any:
            if command is None:
                return body(*args, **kwargs)
            target = kwargs.get("target") or TargetChoice.local
            with guarded(kwargs.get("root") or Path("."), command, target.value):
                return body(*args, **kwargs)

        return dispatched

    return wrap


def options(mode: Mode, root: Path, target: TargetChoice, stacks: list[str] | None, **rest: Any) -> RunOptions:
    return RunOptions(root=root, mode=mode, target=target.value, stacks=tuple(stacks or ()), **rest)
