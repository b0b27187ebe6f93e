"""`mlzone request` and `mlzone release` (top-level commands, registered in mlzone/cli.py): self-service clusters and
notebooks inside the project's guardrails.

Exit codes: 0 applied (or, with --for-review, the change for review written); 1 the apply failed (the
stack converges on retry); 2 bad input; 3 refused by a guardrail (only the refusal's audit record is written)."""

from __future__ import annotations

import secrets
from enum import StrEnum
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console

from mlzone.commands.common import ROOT, TARGET, reported
from mlzone.errors import INVALID, Failure
from mlzone.orchestrate.failure import guarded
from stacks.self_service_spec import ClusterRequest, NotebookRequest

err = Console(stderr=True)


class Kind(StrEnum):
    cluster = "cluster"
    notebook = "notebook"


def _dispatch(
    root: Path, target: str, project: str, action: str, kind: Kind, name: str, request, for_review: bool = False
) -> None:
    from mlzone.self_service.requests import run  # loaded on use: it loads the bindings (slow)

    with guarded(root, action, target):
        outcome = run(root, target, project, action, kind.value, name, request, for_review=for_review)
    for refusal in outcome.refusals:
        err.print(f"[red]refused[/] {refusal}", highlight=False, soft_wrap=True)
    if outcome.error:
        err.print(f"[red]failed[/] {outcome.error}", highlight=False, soft_wrap=True, markup=False)
    if outcome.review:
        typer.echo(
            f"the spec change and the request are written (git diff projects/ requests/); "
            f"pull request description with the plan summary: {outcome.review}"
        )
    typer.echo(f"{action} {kind.value} {name}: {outcome.result}; audit record {outcome.record}")
    raise typer.Exit({"applied": 0, "for-review": 0, "failed": 1, "refused": 3}[outcome.result])


def _model(model, **fields):
    try:
        return model(**fields)
    except ValidationError as exc:
        raise Failure(
            "; ".join(
                f"--{str(e['loc'][0]).replace('_', '-')}: {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors()
            ),
            INVALID,
        ) from None


@reported
def request(
    project: str = typer.Argument(..., help="Project name."),
    kind: Kind = typer.Argument(..., help="cluster or notebook."),
    name: str = typer.Option(None, "--name", help="Name (default: <kind>-<n>)."),
    size: str = typer.Option(None, "--size", help="cluster: a size preset (small, medium, large)."),
    idle_minutes: int = typer.Option(60, "--idle-minutes", help="cluster: auto-terminate after idle."),
    instance_type: str = typer.Option(None, "--instance-type", help="notebook: SageMaker instance type."),
    for_review: bool = typer.Option(
        False,
        "--for-review",
        help="Outside the guardrails: write the spec change, the request and the plan summary for a pull request.",
    ),
    root: Path = ROOT,
    target: str = TARGET,
) -> None:
    """Request a cluster or a notebook; applied at once inside the guardrails, refused (exit 3) outside."""
    name = name or f"{kind.value}-{secrets.token_hex(2)}"
    if kind is Kind.cluster:
        if size is None or instance_type is not None:
            raise Failure("a cluster takes --size (small, medium or large) and no --instance-type", INVALID)
        req = _model(ClusterRequest, name=name, size=size, idle_minutes=idle_minutes)
    else:
        if instance_type is None or size is not None:
            raise Failure("a notebook takes --instance-type (e.g. ml.t3.medium) and no --size", INVALID)
        req = _model(NotebookRequest, name=name, instance_type=instance_type)
    _dispatch(root, target, project, "request", kind, name, req, for_review)


@reported
def release(
    project: str = typer.Argument(..., help="Project name."),
    kind: Kind = typer.Argument(..., help="cluster or notebook."),
    name: str = typer.Argument(..., help="The requested cluster's or notebook's name."),
    root: Path = ROOT,
    target: str = TARGET,
) -> None:
    """Release (destroy) a requested cluster or notebook."""
    _dispatch(root, target, project, "release", kind, name, None)
