"""Options shared by the `mlzone` commands and command groups (typer option objects, Enum choices), and
how every command ends on an error (`reported`)."""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import typer

from mlzone import render
from mlzone.errors import INVALID, Failure
from stacks.spec import Classification, SpecError


class TargetChoice(enum.StrEnum):
    """`--target`: the values of stacks.target.TargetKind (a test ties the two)."""

    local = "local"
    aws = "aws"


ClassificationChoice = enum.Enum(  # type: ignore[misc]  # members built from the Literal: one definition
    "ClassificationChoice",
    {c: c for c in get_args(Classification)},
    type=str,
)


def choice(choices: type[enum.Enum], what: str) -> Callable[[object], enum.Enum]:
    """A typer parser: the Enum member of a value; a wrong value names the choices and the fix (exit 2)."""

    def parse(value: object) -> enum.Enum:
        if isinstance(value, choices):
            return value
        values = [m.value for m in choices]
        if value in values:
            return choices(value)
        raise typer.BadParameter(f"{value!r} is not a {what}; fix: use {', '.join(values[:-1])} or {values[-1]}")

    return parse


ROOT = typer.Option(Path("."), "--root", help="Folder holding platform.yaml and projects/.")
TARGET = typer.Option(
    "local", "--target", parser=choice(TargetChoice, "target"), metavar="local|aws", help="local (emulator) or aws."
)
CLASSIFICATION = typer.Option(
    "internal",
    "--data-classification",
    parser=choice(ClassificationChoice, "data classification"),
    help="public, internal, confidential or restricted.",
)
JSON_OUT = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables.")
VERBOSE = typer.Option(False, "-v", "--verbose", help="Print Terraform log paths and full errors.")
EPHEMERAL = typer.Option(
    False,
    "--ephemeral",
    help="local target: stop the emulator (and MLflow) this command started when it ends "
    "(CI, tests); by default the local zone stays up until `mlzone stop`.",
)
NO_SYNTH = typer.Option(False, "--no-synth", help="Use cdktf.out as it is (skip synth and gate 1).")
PARALLEL = typer.Option(2, "--parallel", min=1, help="Project stacks planned/applied at the same time.")
STACKS = typer.Argument(None, help="Stacks to act on (default: all synthesized stacks).")
CHANGED_SINCE = typer.Option(
    None,
    "--changed-since",
    metavar="REF",
    help="Only stacks whose synthesized JSON differs from the Git ref REF's "
    "(REF is synthesized in a temporary worktree); new stacks count as changed.",
)


def reported(body: Callable[..., Any]) -> Callable[..., Any]:
    """The command, ended on a Failure with its message and code, and on a spec error with exit 2 (no traceback)."""

    @functools.wraps(body)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return body(*args, **kwargs)
        except Failure as failure:
            if failure.message:
                render.error(failure.message)
            raise typer.Exit(failure.code) from None
        except SpecError as exc:
            render.error(str(exc))
            raise typer.Exit(INVALID) from None

    return run
