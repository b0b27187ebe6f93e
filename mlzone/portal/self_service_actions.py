"""Portal buttons that change infrastructure: request a Spark cluster, terminate it.

They run the same code as `mlzone request` / `mlzone release` (mlzone.self_service.requests.run, under
the zone lock), in the zone's one job queue (requests share `cdktf.out/` and the kept emulator). The
form offers only the guardrails' size presets; what is posted is checked again by the guardrails, so a
refusal names the guardrail and the fix. A failed apply leaves the job at its stack and step.
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
from stacks.self_service_spec import ClusterRequest, NotebookRequest, SelfServiceSpec, load_requests
from stacks.spec import SpecError

QUEUE = "zone"  # one request at a time per zone folder
RUN_STEPS_DONE = ("done", "failed")  # run_stacks' closing steps: the page keeps the step that ran last
DEFAULT_IDLE_MINUTES = 60


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
    """`mlzone request|release` as a job: Refused (guardrail, gate 1, busy zone); RuntimeError (failed apply)."""
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
        raise Refused("\n".join(str(r) for r in outcome.refusals) + f"\naudit record {outcome.record}")
    if outcome.error:
        raise RuntimeError(f"{outcome.error}\naudit record {outcome.record}")


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


def terminate_cluster(root: Path, target: str, project: str) -> Action:
    """`mlzone release PROJECT cluster NAME` on the row of each cluster requested through self-service."""

    def requested() -> set[str]:
        return {c.name for c in load_requests(root, project).clusters}

    def work(_: str, form: dict[str, str]) -> Work:
        name = form.get("name", "")
        if name not in requested():
            raise ValueError(
                f"cluster {name!r} was not requested through self-service (requested: "
                f"{', '.join(sorted(requested())) or 'none'}); fix: a cluster of projects/{project}.yaml is "
                "changed by a reviewed change of that file"
            )
        return lambda report: _submit(root, target, project, "release", "cluster", name, None, report)

    def offered(r: Resource) -> bool:
        return r.kind == "cluster" and r.status != "TERMINATING" and r.ref in requested()

    return Action("Terminate", (), work, row=offered, queue=QUEUE)
