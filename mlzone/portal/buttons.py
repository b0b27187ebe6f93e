"""Which buttons each project's page gets, and what the page shows of each project (its models, budget)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlzone.portal.actions import notebook_power
from mlzone.portal.app import Action
from mlzone.portal.approval import approve_version, is_approver
from mlzone.portal.self_service_actions import release, request_cluster, request_notebook
from mlzone.zone_access import ZoneAccess


def zone_buttons(
    root: Path, target: str, access: ZoneAccess, operator: str
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Action]]]:
    """(projects, actions): every project's notebooks can be started and stopped; a project with guardrails
    gets cluster and notebook requests and releases; the project's approvers (and only they) get the approve button."""
    projects: dict[str, dict[str, Any]] = {}
    actions: dict[str, dict[str, Action]] = {}
    for p in access.zone.projects:
        guardrails = p.self_service
        projects[p.name] = {
            "models": [m.name for m in p.models],
            "budget": guardrails and guardrails.monthly_budget_usd,
        }
        mine = {
            verb: notebook_power(verb, access.client, access.bucket("audit"), operator) for verb in ("start", "stop")
        }
        if guardrails:
            mine["request-cluster"] = request_cluster(root, target, guardrails)
            mine["terminate-cluster"] = release(root, target, p.name, "cluster")
            mine["request-notebook"] = request_notebook(root, target, guardrails)
            mine["delete-notebook"] = release(root, target, p.name, "notebook")
        if is_approver(p.approvers, operator):
            mine["approve"] = approve_version(root, access.client)
        actions[p.name] = mine
    return projects, actions
