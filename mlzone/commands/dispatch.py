"""How a top-level command ends: a Failure becomes its message and exit code; a command that changes the
zone holds the zone's lock while it runs. And the run options the plan/deploy/destroy/drift flags make."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from mlzone import render
from mlzone.commands.common import TargetChoice
from mlzone.orchestrate.failure import Failure, guarded
from mlzone.orchestrate.run import Mode, RunOptions


def dispatch(command: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """End the command with its Failure's message and code; with `command`, hold the zone's lock
    (mlzone.orchestrate.failure.guarded) while it runs."""

    def wrap(body: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(body)
        def dispatched(*args: Any, **kwargs: Any) -> Any:
            try:
                if command is None:
                    return body(*args, **kwargs)
                target = kwargs.get("target") or TargetChoice("local")
                with guarded(kwargs.get("root") or Path("."), command, target.value):
                    return body(*args, **kwargs)
            except Failure as failure:
                if failure.message:
                    render.error(failure.message)
                raise typer.Exit(failure.code) from None

        return dispatched

    return wrap


def options(mode: Mode, root: Path, target: TargetChoice, stacks: list[str] | None, **rest: Any) -> RunOptions:
    return RunOptions(root=root, mode=mode, target=target.value, stacks=tuple(stacks or ()), **rest)
