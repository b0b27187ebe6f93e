"""Portal buttons that change infrastructure: request a Spark cluster or a notebook, release either.

They run the same code as `mlzone request` / `mlzone release` (mlzone.self_service.requests.run, under
the zone lock), in the zone's one job queue (requests share `cdktf.out/` and the kept emulator). The
forms offer only the guardrails' size presets and instance types; what is posted is checked again by the
guardrails, so a refusal names the guardrail and the fix. A failed apply leaves the job at its stack and step.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from mlzone.portal.app import Action, Field
from mlzone.portal.inventory import Resource
from mlzone.portal.jobs import Refused, Work
from mlzone.zonelock import ZoneBusy, zone_lock
from modules.layout import WORK_DIR
from modules.naming import project_name
from stacks.self_service_spec import ClusterRequest, NotebookRequest, SelfServiceSpec, load_requests
from stacks.spec import SpecError

QUEUE = "zone"  # one request at a time per zone folder
RUN_STEPS_DONE = ("done", "failed")  # run_stacks' closing steps: the page keeps the step that ran last
DEFAULT_IDLE_MINUTES = 60
GOING = ("TERMINATING", "Deleting")  # a cluster's or notebook's status while it is released


def _submit(
    root: Path,
    target: str,
    project: str,
    action: str,
    kind: str,
    name: str,
    request: ClusterRequest | NotebookRequest | None,
    report: Callable[[str], None],
) -> None:
    """`mlzone request|release` as a job: Refused (guardrail, gate 1, busy zone); RuntimeError (failed apply).
    A refused request's message ends with the `--for-review` command that turns it into a pull request."""
    from mlzone.self_service.requests import run  # loaded on use: it loads the bindings (slow)

    def progress(stack: str, step: str) -> None:
        if step not in RUN_STEPS_DONE:
            report(f"{stack}: {step}")

    try:
        with zone_lock(root.resolve() / WORK_DIR, f"mlzone portal {action}", target):
            outcome = run(root, target, project, action, kind, name, request, progress=progress)
    except (SpecError, ZoneBusy) as exc:
        raise Refused(f"{exc}\nnothing was applied") from None
    if outcome.refusals:
        message = "\n".join(str(r) for r in outcome.refusals) + f"\naudit record {outcome.record}"
        if request is not None:
            message += (
                f"\nto ask for it in a pull request, run in your checkout of the zone: {for_review(project, request)}"
            )
        raise Refused(message)
    if outcome.error:
        raise RuntimeError(f"{outcome.error}\naudit record {outcome.record}")


def for_review(project: str, request: ClusterRequest | NotebookRequest) -> str:
    """The `mlzone request … --for-review` command of `request` (it writes the spec change and plan summary)."""
    if isinstance(request, ClusterRequest):
        options = f"cluster --size {request.size} --idle-minutes {request.idle_minutes}"
    else:
        options = f"notebook --instance-type {request.instance_type}"
    return f"mlzone request {project} {options} --name {request.name} --for-review"


def request_cluster(root: Path, target: str, guardrails: SelfServiceSpec) -> Action:
    """`mlzone request PROJECT cluster --size … --idle-minutes … --name …` as a form."""
    spark = guardrails.spark

    def work(project: str, form: dict[str, str]) -> Work:
        try:
            request = ClusterRequest(
                name=form.get("name") or f"cluster-{secrets.token_hex(2)}",
                size=form.get("size", ""),  # type: ignore[arg-type]
                idle_minutes=int(form.get("idle_minutes", "")),
            )
        except (ValidationError, ValueError) as exc:
            raise ValueError(
                f"the cluster request is not valid: {exc}; fix: pick a size and whole idle minutes"
            ) from None
        return lambda report: _submit(root, target, project, "request", "cluster", request.name, request, report)

    fields = (
        Field("name"),
        Field("size", choices=spark.sizes, default=spark.sizes[0]),
        Field(
            "idle_minutes",
            number=(5, spark.max_idle_minutes),
            default=str(min(DEFAULT_IDLE_MINUTES, spark.max_idle_minutes)),
        ),
    )
    return Action("Request a Spark cluster", fields, work, queue=QUEUE)


def request_notebook(root: Path, target: str, guardrails: SelfServiceSpec) -> Action:
    """`mlzone request PROJECT notebook --instance-type … --name …` as a form."""
    allowed = guardrails.notebooks.instance_types

    def work(project: str, form: dict[str, str]) -> Work:
        try:
            request = NotebookRequest(
                name=form.get("name") or f"notebook-{secrets.token_hex(2)}",
                instance_type=form.get("instance_type", ""),
            )
        except ValidationError as exc:
            raise ValueError(f"the notebook request is not valid: {exc}; fix: pick an allowed instance type") from None
        return lambda report: _submit(root, target, project, "request", "notebook", request.name, request, report)

    fields = (Field("name"), Field("instance_type", choices=allowed, default=allowed[0]))
    return Action("Request a notebook", fields, work, queue=QUEUE)


RELEASE_TITLES = {"cluster": "Terminate", "notebook": "Delete notebook"}


def release(root: Path, target: str, project: str, kind: str) -> Action:
    """`mlzone release PROJECT cluster|notebook NAME` on the row of each one requested through self-service."""
    prefix = project_name(project, "")

    def requested() -> set[str]:
        return {r.name for r in getattr(load_requests(root, project), f"{kind}s")}

    def work(_: str, form: dict[str, str]) -> Work:
        name = form.get("name", "").removeprefix(prefix)
        if name not in requested():
            raise ValueError(
                f"{kind} {name!r} was not requested through self-service (requested: "
                f"{', '.join(sorted(requested())) or 'none'}); fix: a {kind} of projects/{project}.yaml is "
                "changed by a reviewed change of that file"
            )
        return lambda report: _submit(root, target, project, "release", kind, name, None, report)

    def offered(r: Resource) -> bool:
        return r.kind == kind and r.status not in GOING and r.ref.removeprefix(prefix) in requested()

    return Action(RELEASE_TITLES[kind], (), work, row=offered, queue=QUEUE)
