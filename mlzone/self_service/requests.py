"""A self-service request end to end: guardrails → requests file → synth (gate 1) → plan → gate 2 → apply of
the project's self-service stack only, with an audit record of the request, its verdict and its outcome.

Calls the existing orchestration: `mlzone.synth.synthesize` (synth + gate 1), `mlzone.workspace.open_workspace`
(the kept local emulator, or AWS) and `mlzone.orchestrate.waves.run_stacks` on the one stack `<project>-self-service`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from mlzone import audit_record, deploy_record
from mlzone.clients import clients
from mlzone.orchestrate.stack import Progress, quiet
from mlzone.orchestrate.waves import run_stacks
from mlzone.render import markdown_summary
from mlzone.self_service import review
from mlzone.self_service.guardrails import Refusal, check_budget, check_cluster, check_member, check_notebook
from mlzone.synth import synthesize, validate
from mlzone.workspace import open_workspace
from modules.budget import budget_name
from modules.naming import self_service_stack_name
from modules.prices import hourly_usd
from modules.self_service import SPARK_SIZES
from stacks.self_service_spec import ClusterRequest, NotebookRequest, Requests, load_requests, requests_file
from stacks.spec import ProjectSpec, SpecError, Zone
from stacks.target import Target


@dataclass
class Outcome:
    """What happened to one request (the CLI prints it; exit 0 applied, 1 failed, 3 refused)."""

    verdict: str  # accepted | refused
    refusals: list[Refusal] = field(default_factory=list)
    result: str = ""  # applied | failed | refused
    error: str = ""
    record: str = ""  # URI of the audit record
    review: str = ""  # --for-review: the pull request's description (mlzone/self_service/review.py)


def project_of(zone: Zone, name: str) -> ProjectSpec:
    """The project with guardrails; SpecError (exit 2) otherwise."""
    found = zone.project(name)
    if found.self_service is None:
        raise SpecError(f"projects/{name}.yaml has no self_service guardrails; fix: ask the platform team to add them")
    return found


def estimate_usd(request: ClusterRequest | NotebookRequest) -> float:
    """Cost until the request's idle stop at the least (a cluster: preset price x idle minutes; a notebook:
    one hour)."""
    if isinstance(request, ClusterRequest):
        return SPARK_SIZES[request.size].hourly_usd() * request.idle_minutes / 60
    return hourly_usd(request.instance_type) or 0.0


def evaluate(
    project: ProjectSpec, current: Requests, request: ClusterRequest | NotebookRequest, caller: str, spent_usd: float
) -> list[Refusal]:
    """Every refusal of `request` by `caller` (empty: inside the guardrails)."""
    g = project.self_service
    assert g is not None
    declared = frozenset({nb.owner for nb in project.notebooks} | {sc.name for sc in project.spark_clusters})
    check = check_cluster if isinstance(request, ClusterRequest) else check_notebook
    return [
        *check_member(g, caller),
        *check(g, current, request, declared),  # type: ignore[arg-type]
        *check_budget(g, spent_usd, estimate_usd(request)),
    ]


def month_spend(client: Any, account: str, project: str) -> float:
    """Actual spend this month from the project's budget (0 when Budgets reports none yet)."""
    try:
        found = client("budgets").describe_budget(AccountId=account, BudgetName=budget_name(project))["Budget"]
    except client("budgets").exceptions.NotFoundException:
        return 0.0
    return float(found.get("CalculatedSpend", {}).get("ActualSpend", {}).get("Amount", 0) or 0)


def write_requests(root: Path, requests: Requests) -> None:
    """Write `requests/<project>.yaml` (whole file, atomically)."""
    file = requests_file(root, requests.project)
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_suffix(".tmp")
    tmp.write_text(
        "# written by `mlzone request` / `mlzone release`; do not edit by hand\n"
        + yaml.safe_dump(requests.model_dump(mode="json"), sort_keys=False)
    )
    tmp.replace(file)


def record(client: Any, bucket: str, project: str, body: dict[str, Any]) -> str:
    """Write the request's audit record `requests/<project>/<stamp>-<id>.json`; returns its URI."""
    now = datetime.now(UTC)
    key = f"requests/{project}/{audit_record.stamp(now)}-{secrets.token_hex(4)}.json"
    return audit_record.put(client("s3"), bucket, key, {**body, "when": now.isoformat()})


def changed(
    current: Requests, action: str, request: ClusterRequest | NotebookRequest | None, kind: str, name: str
) -> Requests:
    """The requests after adding `request` (action request) or removing `kind` `name` (action release)."""
    field_ = "clusters" if kind == "cluster" else "notebooks"
    entries = list(getattr(current, field_))
    if action == "request":
        entries.append(request)
    else:
        if name not in {e.name for e in entries}:
            raise SpecError(
                f"requests/{current.project}.yaml has no {kind} {name!r} (requested: "
                f"{', '.join(e.name for e in entries) or 'none'}); fix: name a requested {kind}"
            )
        entries = [e for e in entries if e.name != name]
    return current.model_copy(update={field_: tuple(entries)})


def run(
    root: Path,
    target: str,
    project_name: str,
    action: str,
    kind: str,
    name: str,
    request: ClusterRequest | NotebookRequest | None = None,
    progress: Progress = quiet,
    for_review: bool = False,
) -> Outcome:
    """Evaluate, record the request data, apply the self-service stack, write the audit record.

    `progress(stack, step)` hears each step (the portal shows it). SpecError: bad input (exit 2, nothing
    written). A refusal writes only its audit record; with `for_review` it also writes the change for a
    pull request (`for_review_change`), applying nothing."""
    zone, tgt = validate(root, Target.named(target))
    project = project_of(zone, project_name)
    stack = self_service_stack_name(project.name)
    current = load_requests(root, project.name)
    updated = changed(current, action, request, kind, name)
    progress(stack, "checking the guardrails")
    with open_workspace(root, target, keep=True) as ws:
        client = clients(zone.platform.region, ws.emulator_url or None)
        caller = client("sts").get_caller_identity()["Arn"]
        spent = 0.0
        if action == "release":  # releasing is always inside the guardrails, for a member
            refusals = check_member(project.self_service, caller)  # type: ignore[arg-type]
        else:
            spent = month_spend(client, tgt.account_id(zone.platform), project.name)
            refusals = evaluate(project, current, request, caller, spent)  # type: ignore[arg-type]
        body = {
            "who": caller,
            "what": {
                "action": action,
                "kind": kind,
                "name": name,
                "request": request.model_dump(mode="json") if request else None,
            },
            "project": project.name,
            "stack": stack,
        }
        audit = zone.platform.bucket_name("audit")
        if refusals and for_review and request is not None:
            review = for_review_change(root, ws, tgt, project, current, updated, request, refusals, caller, spent)
            uri = record(
                client,
                audit,
                project.name,
                {**body, "verdict": "refused", "outcome": "for-review", "refusals": [str(r) for r in refusals]},
            )
            return Outcome("refused", refusals, "for-review", record=uri, review=str(review))
        if refusals:
            uri = record(
                client,
                audit,
                project.name,
                {**body, "verdict": "refused", "outcome": "refused", "refusals": [str(r) for r in refusals]},
            )
            return Outcome("refused", refusals, "refused", record=uri)
        write_requests(root, updated)
        progress(stack, "synth + gate 1")
        try:
            synthesize(root, target=tgt)
        except Exception:
            write_requests(root, current)  # gate 1 or synth refused it: the request data is not kept
            raise
        facts = deploy_record.gather(ws, zone, "deploy", client("sts"), {})
        deployed = deploy_record.recorder(client("s3"), audit, facts, ws)
        [result] = run_stacks(ws, [stack], apply=True, progress=progress, record=deployed)
        error = result.error or ("" if result.plan and result.plan.gate_passed else "the plan failed gate 2")
        error = error or result.record_error
        uri = record(
            client,
            audit,
            project.name,
            {
                **body,
                "verdict": "accepted",
                "outcome": "failed" if error else "applied",
                "error": error[:500],
                "deploy_record": result.record_uri,
            },
        )
        return Outcome("accepted", [], "failed" if error else "applied", error, uri)


def for_review_change(
    root: Path,
    ws: Any,
    target: Any,
    project: ProjectSpec,
    current: Requests,
    updated: Requests,
    request: ClusterRequest | NotebookRequest,
    refusals: list[Refusal],
    caller: str,
    spent: float,
) -> Path:
    """Widen the guardrails in the spec, record the request, synth (gate 1) and plan both stacks (no apply),
    and write the pull request's description; on a synth or gate refusal both files are restored."""
    file = review.spec_file(root, project.name)
    original = file.read_text()
    raw = yaml.safe_load(original)["self_service"]
    widened = review.widen(raw, refusals, request, current, caller, spent + estimate_usd(request))
    diff = review.write_spec_change(file, widened)
    write_requests(root, updated)
    try:
        synthesize(root, target=target)
    except Exception:
        file.write_text(original)
        write_requests(root, current)
        raise
    outcomes = run_stacks(ws, [project.name, self_service_stack_name(project.name)], apply=False)
    plan = markdown_summary(outcomes, ws.target)
    return review.write_review(ws.work / review.REVIEWS_DIR, project.name, request, refusals, diff, plan)
