"""checkov in-process: our checks loaded once, offline; one file scanned for its passed and failed records."""

from __future__ import annotations

import functools
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import yaml

from mlzone import checkov_yaml
from mlzone.gate.paths import CHECKS_DIR, OVERLAPS_FILE, ROOT
from mlzone.gate.plan_views import deletions_view

_OFFLINE_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}  # checkov offline: no network
_loaded = False


def load_checkov() -> None:
    """Offline environment, the built-in checks and ours, once per process (the scan cache may spare every scan)."""
    global _loaded
    if _loaded:
        return
    for key, value in _OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    cache = ROOT / ".mlzone" / "checkov-cache"
    cache.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_CACHE_HOME", str(cache))
    logging.getLogger("checkov").setLevel(logging.ERROR)
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.terraform.checks.resource.registry import resource_registry
    from checkov.terraform.plan_runner import Runner  # noqa: F401  (importing the runners registers the built-ins)
    from checkov.terraform_json.runner import TerraformJsonRunner  # noqa: F401

    resource_registry.load_external_checks(str(CHECKS_DIR))
    for check_type in ("terraform", "terraform_plan"):
        get_graph_checks_registry(check_type).load_external_checks(str(CHECKS_DIR))
    checkov_yaml.install()
    for check_type in ("terraform", "terraform_plan"):  # the built-in graph checks, as a scan would load them
        get_graph_checks_registry(check_type).load_checks()
    _loaded = True


def loaded_check_ids() -> set[str]:
    """Ids of every check checkov loaded (built-in and ours)."""
    load_checkov()
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.terraform.checks.data.registry import data_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    python = [
        c
        for r in (resource_registry, data_registry)
        for checks in (*r.checks.values(), *r.wildcard_checks.values())
        for c in checks
    ]
    graph = [c for t in ("terraform", "terraform_plan") for c in get_graph_checks_registry(t).checks]
    return {c.id for c in python + graph}


@functools.cache
def covered_builtins() -> dict[str, str]:
    """Built-in check id -> the CKV_MLZ check that covers it (`decision: covered` in
    policies/overlaps.yaml); the gate does not run these built-ins."""
    entries = (yaml.safe_load(OVERLAPS_FILE.read_text()) or {}).get("overlaps") or []
    return {str(e["builtin"]): str(e["by"]) for e in entries if e.get("decision") == "covered"}


@functools.cache
def change_rule_ids() -> frozenset[str]:
    """Ids of the change rules (`PlanChangeCheck`s: they judge what a plan deletes or replaces); once per
    process (every scan needs them, and the registry is loaded once)."""
    load_checkov()
    from checkov.terraform.checks.resource.registry import resource_registry

    from policies.checks._common import PlanChangeCheck

    return frozenset(
        c.id for checks in resource_registry.checks.values() for c in checks if isinstance(c, PlanChangeCheck)
    )


def scan(
    file: Path,
    kind: str,
    checks: list[str] | None = None,
    home_accounts: Sequence[str] = (),
    shared_groups: Sequence[str] = (),
):
    """checkov records of one file (all checks, or only `checks`): (passed, failed, parsing errors).

    `home_accounts` tells the cross-account check (CKV_MLZ_38) which accounts are the zone's own,
    `shared_groups` the registry check (CKV_MLZ_59) which other projects' package groups the stack may use."""
    load_checkov()
    from policies.checks._common import SHARED_MODELS_ENV
    from policies.checks._policy import HOME_ENV

    context = {HOME_ENV: ",".join(home_accounts), SHARED_MODELS_ENV: ",".join(shared_groups)}
    os.environ.update(context)
    try:
        return _run_checkov(file, kind, checks)
    finally:
        for name in context:
            os.environ.pop(name, None)


def _run_checkov(file: Path, kind: str, checks: list[str] | None):
    """The state checks on the file itself; the change rules on a plan's `deletions_view`."""
    from checkov.runner_filter import RunnerFilter

    change, wanted = change_rule_ids(), None if checks is None else set(checks)
    reports = []
    if wanted is None or wanted - change:  # all: every check but the change rules and the covered built-ins
        state = None if wanted is None else sorted(wanted - change)
        skip = sorted(change | (set(covered_builtins()) if wanted is None else set()))
        reports += _checkov_reports(file, kind, RunnerFilter(checks=state, skip_checks=skip, show_progress_bar=False))
    view = deletions_view(json.loads(file.read_text())) if kind == "plan" else None
    rules = sorted(change if wanted is None else change & wanted)
    if view and rules:
        with tempfile.TemporaryDirectory(prefix="mlzone-gate-") as tmp:
            deletions = Path(tmp) / "plan-deletions.json"
            deletions.write_text(json.dumps(view))
            reports += _checkov_reports(deletions, "plan", RunnerFilter(checks=rules, show_progress_bar=False))
    passed = [rec for r in reports for rec in r.passed_checks]
    failed = [rec for r in reports for rec in r.failed_checks]
    errors = [str(e) for r in reports for e in r.parsing_errors]
    return passed, failed, errors


def _checkov_reports(file: Path, kind: str, runner_filter) -> list:
    from checkov.terraform.checks.utils.base_cloudsplaining_iam_scanner import BaseTerraformCloudsplainingIAMScanner
    from checkov.terraform.plan_runner import Runner as PlanRunner
    from checkov.terraform_json.runner import TerraformJsonRunner

    # checkov keeps the IAM policies its cloudsplaining checks parsed (CKV_AWS_287/288/289/290/355…) in a
    # class-level cache for the life of the process, keyed by the scanned file's name (not its folder) and the
    # resource address: every stack's file is `cdk.tf.json` or `plan.json`, so a later scan (another stack, a
    # re-plan, the portal's next request) would judge an earlier policy at the same address. Every scan starts empty.
    BaseTerraformCloudsplainingIAMScanner.policy_document_cache.clear()
    runner = PlanRunner() if kind == "plan" else TerraformJsonRunner()
    report = runner.run(root_folder=None, files=[str(file)], runner_filter=runner_filter)
    return report if isinstance(report, list) else [report]


def record_address(record_resource: str) -> str:
    """The `<type>.<logicalId>` of a checkov record's resource (without its `[index]`)."""
    return record_resource.split("[", 1)[0]


def logical_id(address: str) -> str:
    return address.rsplit(".", 1)[-1]
