"""The approvers' button: approve a pending model version with a reason (mlzone.lifecycle, four eyes).

Offered only to the project's `approvers:`; `registry_approval.decide` still checks everything, so the
identity that registered a version cannot approve it, and every decision has its audit record."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlzone.lifecycle import registry_approval
from mlzone.lifecycle.registry_context import LifecycleError, load
from mlzone.portal.app import Action, Field
from mlzone.portal.inventory import Resource
from mlzone.portal.jobs import Refused, Work


def is_approver(approvers: tuple[str, ...], caller: str) -> bool:
    """The caller (an STS ARN) is one of `approvers` (an assumed role matches its role, any path)."""
    found = registry_approval.principal(caller)
    return found is not None and found in {registry_approval.principal(a) for a in approvers}


def approve_version(root: Path, client: Callable[[str], Any]) -> Action:
    """`mlzone model approve PROJECT MODEL VERSION --reason …` on each pending version's row."""

    def work(project: str, form: dict[str, str]) -> Work:
        model, _, version = form.get("name", "").partition("/")
        if not version.isdigit():
            raise ValueError(f"{form.get('name')!r} is not MODEL/VERSION; fix: use the button on the version's row")
        try:
            reason = registry_approval.check_reason(form.get("reason", ""))
        except LifecycleError as exc:
            raise ValueError(str(exc).replace("--reason", "the reason")) from None

        def run(report: Callable[[str], None]) -> None:
            report(f"approving {model} version {version}")
            try:
                record = registry_approval.decide(load(root, project), model, int(version), "approve", reason, client)
            except LifecycleError as exc:
                raise Refused(str(exc)) from None
            report(f"approved; audit record {record['record_uri']}")

        return run

    def offered(r: Resource) -> bool:
        return r.kind == "model version" and r.status == registry_approval.PENDING

    return Action("Approve", (Field("reason"),), work, row=offered)
