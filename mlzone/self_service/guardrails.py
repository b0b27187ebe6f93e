"""Guardrail evaluation: pure functions from (guardrails, current requests, a new request) to a verdict.

Each refusal names the guardrail (its field in `self_service:`), the value asked for and the fix, so a
data scientist can act on it and a platform engineer can find the line to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from stacks.self_service_spec import ClusterRequest, NotebookRequest, Requests, SelfServiceSpec


@dataclass(frozen=True)
class Refusal:
    """One guardrail a request breaks."""

    guardrail: str  # e.g. self_service.spark.sizes
    value: str  # what was asked, e.g. "large"
    fix: str

    def __str__(self) -> str:
        return f"{self.guardrail}: {self.value}; fix: {self.fix}"


def role_of(arn: str) -> tuple[str, str, str] | None:
    """(kind, account, name) of a role, assumed-role session or user ARN (iam or sts); None for anything else."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] not in ("iam", "sts"):
        return None
    kind, _, rest = parts[5].partition("/")
    if kind in ("role", "user"):
        return kind, parts[4], rest.rsplit("/", 1)[-1]
    if kind == "assumed-role":
        return "role", parts[4], rest.split("/", 1)[0]
    return None


def is_member(guardrails: SelfServiceSpec, caller_arn: str) -> bool:
    """The caller (an STS caller ARN) is a listed user, or a session of a listed role (path ignored: STS drops it)."""
    role = role_of(caller_arn)
    return role is not None and any(role_of(m) == role for m in guardrails.members)


def check_member(guardrails: SelfServiceSpec, caller_arn: str) -> list[Refusal]:
    if is_member(guardrails, caller_arn):
        return []
    return [
        Refusal(
            "self_service.members",
            f"{caller_arn} is not a member",
            "ask the platform team to add your role to self_service.members (a reviewed change)",
        )
    ]


def check_budget(guardrails: SelfServiceSpec, spent_usd: float, estimate_usd: float) -> list[Refusal]:
    """Refuse once the month's spend plus the request's estimate exceeds the budget."""
    budget = guardrails.monthly_budget_usd
    if spent_usd + estimate_usd <= budget:
        return []
    return [
        Refusal(
            "self_service.monthly_budget_usd",
            f"{spent_usd:.2f} USD spent this month + {estimate_usd:.2f} USD estimated > {budget} USD",
            "release what you no longer use, or ask the platform team for a higher monthly_budget_usd",
        )
    ]


def _name_taken(name: str, current: Requests, declared: frozenset[str]) -> list[Refusal]:
    if name in current.names() or name in declared:
        return [
            Refusal(
                "request name",
                f"{name!r} is already used in this project",
                "choose another --name, or release the existing one",
            )
        ]
    return []


def check_cluster(
    guardrails: SelfServiceSpec, current: Requests, request: ClusterRequest, declared: frozenset[str] = frozenset()
) -> list[Refusal]:
    """Size, idle timeout, cluster count and name of a cluster request."""
    spark = guardrails.spark
    found = _name_taken(request.name, current, declared)
    if request.size not in spark.sizes:
        found.append(
            Refusal(
                "self_service.spark.sizes",
                f"size {request.size!r} is not allowed (allowed: {', '.join(spark.sizes)})",
                f"request one of {', '.join(spark.sizes)}, or "
                "ask the platform team to add it to self_service.spark.sizes",
            )
        )
    if request.idle_minutes > spark.max_idle_minutes:
        found.append(
            Refusal(
                "self_service.spark.max_idle_minutes",
                f"--idle-minutes {request.idle_minutes} > {spark.max_idle_minutes}",
                f"use --idle-minutes {spark.max_idle_minutes} or less",
            )
        )
    if len(current.clusters) >= spark.max_clusters:
        found.append(
            Refusal(
                "self_service.spark.max_clusters",
                f"this would be cluster {len(current.clusters) + 1} of at most {spark.max_clusters}",
                "release a cluster first (`mlzone release ... cluster NAME`)",
            )
        )
    return found


def check_notebook(
    guardrails: SelfServiceSpec, current: Requests, request: NotebookRequest, declared: frozenset[str] = frozenset()
) -> list[Refusal]:
    """Instance type, notebook count and name of a notebook request."""
    nb = guardrails.notebooks
    found = _name_taken(request.name, current, declared)
    if request.instance_type not in nb.instance_types:
        found.append(
            Refusal(
                "self_service.notebooks.instance_types",
                f"instance type {request.instance_type!r} is not allowed (allowed: {', '.join(nb.instance_types)})",
                f"request one of {', '.join(nb.instance_types)}, or ask the platform team to add it to "
                "self_service.notebooks.instance_types",
            )
        )
    if len(current.notebooks) >= nb.max:
        found.append(
            Refusal(
                "self_service.notebooks.max",
                f"this would be notebook {len(current.notebooks) + 1} of at most {nb.max}",
                "release a notebook first (`mlzone release ... notebook NAME`)",
            )
        )
    return found
