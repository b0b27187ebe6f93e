"""The policy gate: checkov (every built-in AWS check + policies/checks) on synthesized stacks
(`cdk.tf.json`) and plan JSON, plus change rules on plans, minus reasoned exceptions.

The gate fails closed. It fails when
- any check fails on a resource without a valid exception (`policies/exceptions.yaml`);
- a file cannot be parsed, is neither Terraform JSON nor a plan, or zero checks ran on it
  (checkov itself exits 0 in those cases: checkov#7454);
- a plan deletes or replaces a KMS key, a CloudTrail trail, an Object Lock configuration or an
  Object-Locked (audit) bucket (`MLZ_PLAN_1`, policies/checks/plan_no_destroy.py) without an
  exception naming it; change rules run on `deletions_view(plan)`, since checkov sees only what a
  plan keeps;
- an exception is expired, has a reason under 20 characters, or lacks owner/ticket/expiry; a glob
  exception lacks its `matches:` list (the resources its reason was reviewed for);
- a construct waiver (`modules/waivers.py`: an `allow_*` reason recorded in the construct's
  metadata, copied to `"//".mlzone.waivers` of cdk.tf.json) has a short reason or names an
  unknown check.
Exceptions that match nothing in the gated stacks, and glob exceptions that match a resource not in
their `matches:` list, only warn.

Findings name the construct path (the `"//".metadata.path` of cdk.tf.json; for a plan, the
cdk.tf.json next to it), so they read `platform/audit/access-logs/bucket`, not a logical id.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import json
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from mlzone import checkov_yaml
from modules.layout import SHARED_MODELS_JSON_PATH
from modules.limits import REASON_MIN_CHARS as MIN_REASON

ROOT = Path(__file__).resolve().parents[1]
CHECKS_DIR = ROOT / "policies" / "checks"
EXCEPTIONS_FILE = ROOT / "policies" / "exceptions.yaml"
OVERLAPS_FILE = ROOT / "policies" / "overlaps.yaml"  # built-in checks covered by ours: not run
MODE_ENV = "MLZONE_GATE"  # "report-only": print findings, never fail (local experiments; CI never sets it)
SCOPES = ("any", "synth", "plan")
_OFFLINE_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}  # checkov offline: no network
CONSTRUCT = "construct"  # Waiver.origin of a waiver recorded on a construct


class GateError(RuntimeError):
    """The gate blocked: the message summarises; `result` holds every finding."""

    def __init__(self, result: GateResult) -> None:
        super().__init__(result.summary())
        self.result = result


@dataclass(frozen=True)
class Waiver:
    """One entry of policies/exceptions.yaml (`Exception` is taken by Python)."""

    check_id: str
    resource: str  # construct path (glob allowed), e.g. platform/audit/access-logs/bucket
    reason: str
    owner: str
    ticket: str
    expires: dt.date | None
    scope: str = "any"  # any | synth | plan: e.g. a scanner false positive seen only on plan JSON
    matches: tuple[str, ...] | None = None  # a glob entry: the resources its reason was reviewed for
    origin: str = "exceptions.yaml"  # or CONSTRUCT: an `allow_*` reason recorded on the construct

    @property
    def stack(self) -> str:
        return self.resource.split("/", 1)[0]

    @property
    def is_glob(self) -> bool:
        return self.origin != CONSTRUCT and any(c in self.resource for c in "*?[")

    def matches_finding(self, finding: Finding) -> bool:
        if self.check_id != finding.check_id or self.scope not in ("any", finding.kind):
            return False
        if self.origin == CONSTRUCT:  # the construct and everything under it
            return finding.path == self.resource or finding.path.startswith(self.resource + "/")
        return any(
            fnmatch.fnmatchcase(name, self.resource) for name in (finding.path, f"{finding.stack}/{finding.address}")
        )

    def problems(self, today: dt.date) -> list[str]:
        if self.origin == CONSTRUCT:
            where = f"waiver of {self.check_id} recorded on construct {self.resource or '(no path)'}"
            return [
                problem
                for problem, bad in (
                    (
                        f"{where}: reason must be at least {MIN_REASON} characters; fix: say why in the allow_* reason",
                        len(self.reason.strip()) < MIN_REASON,
                    ),
                    (f"{where}: a waiver covers one construct, not a whole stack", "/" not in self.resource),
                )
                if bad
            ]
        where = f"exception {self.check_id} on {self.resource or '(no resource)'}"
        found = [f"{where}: missing {k}" for k in ("check_id", "resource", "owner", "ticket") if not getattr(self, k)]
        if len(self.reason.strip()) < MIN_REASON:
            found.append(f"{where}: reason must be at least {MIN_REASON} characters; fix: say why the risk is accepted")
        if self.is_glob and not self.matches:
            found.append(f"{where}: a glob exception needs `matches:`, the resources its reason is true for today")
        if self.scope not in SCOPES:
            found.append(f"{where}: scope {self.scope!r} is not one of {', '.join(SCOPES)}")
        if self.expires is None:
            found.append(f"{where}: missing expires (YYYY-MM-DD)")
        elif self.expires < today:
            found.append(f"{where}: expired on {self.expires}; fix: fix the resource, or renew with a new review")
        return found


@dataclass(frozen=True)
class Finding:
    """One failed check on one resource."""

    check_id: str
    name: str
    stack: str
    file: str
    address: str  # <type>.<logicalId> (or resource.<logicalId> for checkov Python checks on terraform_json)
    path: str  # construct path, e.g. fraud-detection/endpoint-scorer/config
    kind: str = "synth"  # synth | plan: the file the finding comes from
    details: tuple[str, ...] = ()
    guideline: str = ""
    waiver: Waiver | None = None

    @property
    def message(self) -> str:
        return "; ".join(self.details) or self.name


@dataclass
class FileResult:
    """The gate on one file."""

    file: str
    kind: str  # synth | plan | unknown
    stack: str
    passed: int = 0
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)  # recorded on the stack's constructs

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if f.waiver is None]


@dataclass
class GateResult:
    files: list[FileResult]
    errors: list[str]  # gate-level problems (invalid exceptions)
    warnings: list[str]  # unused exceptions
    report_only: bool = False

    @property
    def failed(self) -> list[Finding]:
        return [f for r in self.files for f in r.failed]

    @property
    def excepted(self) -> list[Finding]:
        return [f for r in self.files for f in r.findings if f.waiver is not None]

    @property
    def all_errors(self) -> list[str]:
        return self.errors + [f"{r.file}: {e}" for r in self.files for e in r.errors]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.all_errors

    def exceptions_used(self, stack: str | None = None) -> list[str]:
        """The exceptions and construct waivers that excepted a finding (of `stack`, default all), as
        `<check id>:<resource>`: what a deploy record names as used."""
        return sorted(
            {f"{f.check_id}:{f.waiver.resource}" for f in self.excepted if f.waiver and stack in (None, f.stack)}
        )

    def summary(self) -> str:
        checks = sum(r.passed + len(r.findings) for r in self.files)
        verdict = "passed" if self.ok else "BLOCKED"
        waived = sorted({f"{f.check_id} on {f.waiver.resource}" for f in self.excepted if f.waiver.origin == CONSTRUCT})
        by_constructs = f" (waived by construct allow_* reasons: {', '.join(waived)})" if waived else ""
        return (
            f"policy gate {verdict}: {len(self.files)} file(s), {checks} check results, "
            f"{len(self.failed)} failed, {len(self.excepted)} excepted{by_constructs}, {len(self.all_errors)} error(s)"
        )


# --------------------------------------------------------------------------- exceptions


def load_waivers(file: Path = EXCEPTIONS_FILE) -> tuple[list[Waiver], list[str]]:
    """The exceptions and the problems found reading them."""
    if not file.is_file():
        return [], []
    try:
        data = yaml.safe_load(file.read_text()) or {}
    except yaml.YAMLError as exc:
        return [], [f"{file}: not valid YAML: {exc}"]
    waivers, problems = [], []
    for i, entry in enumerate(data.get("exceptions") or []):
        if not isinstance(entry, dict):
            problems.append(f"{file}: exceptions[{i}] is not a mapping")
            continue
        expires = entry.get("expires")
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                problems.append(f"{file}: exceptions[{i}].expires {expires!r} is not YYYY-MM-DD")
                expires = None
        waivers.append(
            Waiver(
                check_id=str(entry.get("check_id") or ""),
                resource=str(entry.get("resource") or ""),
                reason=str(entry.get("reason") or ""),
                owner=str(entry.get("owner") or ""),
                ticket=str(entry.get("ticket") or ""),
                expires=expires if isinstance(expires, dt.date) else None,
                scope=str(entry.get("scope") or "any"),
                matches=tuple(str(m) for m in entry["matches"]) if isinstance(entry.get("matches"), list) else None,
            )
        )
    return waivers, problems


def construct_waivers(synth: dict | None) -> list[Waiver]:
    """The waivers a stack's constructs recorded (`"//".mlzone.waivers`, see modules/waivers.py)."""
    recorded = (((synth or {}).get("//") or {}).get("mlzone") or {}).get("waivers") or []
    return [
        Waiver(
            check_id=str(check),
            resource=str(entry.get("path") or ""),
            reason=str(entry.get("reason") or ""),
            owner=CONSTRUCT,
            ticket=f"allow_* on {entry.get('path')}",
            expires=None,
            origin=CONSTRUCT,
        )
        for entry in recorded
        if isinstance(entry, dict)
        for check in entry.get("checks") or []
    ]


# --------------------------------------------------------------------------- files


def collect(paths: list[Path]) -> list[Path]:
    """Gate inputs: the files given, and every cdk.tf.json / plan*.json found under folders given."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*.json")
                if (p.name == "cdk.tf.json" or p.name.startswith("plan")) and ".terraform" not in p.parts
            )
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder; fix: pass a cdk.tf.json, a plan JSON or a folder")
    return found


def kind_of(doc: Any) -> str:
    if not isinstance(doc, dict):
        return "unknown"
    if "resource_changes" in doc or "planned_values" in doc:
        return "plan"
    if "resource" in doc or "//" in doc:
        return "synth"
    return "unknown"


def construct_paths(synth: dict) -> dict[str, str]:
    """`<type>.<logicalId>` (`data.<type>.<logicalId>`) and `<logicalId>` -> construct path, from cdk.tf.json."""
    paths: dict[str, str] = {}
    for block, prefix in (("data", "data."), ("resource", "")):
        for type_, resources in (synth.get(block) or {}).items():
            for logical_id, body in resources.items():
                path = ((body or {}).get("//") or {}).get("metadata", {}).get("path")
                if path:
                    paths[f"{prefix}{type_}.{logical_id}"] = paths[logical_id] = path
    return paths


def stack_name(file: Path, synth: dict | None) -> str:
    meta = ((synth or {}).get("//") or {}).get("metadata", {})
    return meta.get("stackName") or file.parent.name


def _synth_for(file: Path, doc: dict, kind: str) -> dict | None:
    if kind == "synth":
        return doc
    sibling = file.parent / "cdk.tf.json"
    try:
        return json.loads(sibling.read_text()) if sibling.is_file() else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- checkov


_loaded = False


def _checkov() -> None:
    """Offline environment and our checks, once per process."""
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

    resource_registry.load_external_checks(str(CHECKS_DIR))
    for check_type in ("terraform", "terraform_plan"):
        get_graph_checks_registry(check_type).load_external_checks(str(CHECKS_DIR))
    checkov_yaml.install()
    _loaded = True


def loaded_check_ids() -> set[str]:
    """Ids of every check checkov loaded (built-in and ours)."""
    _checkov()
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


def change_rule_ids() -> set[str]:
    """Ids of the change rules (`PlanChangeCheck`s: they judge what a plan deletes or replaces)."""
    _checkov()
    from checkov.terraform.checks.resource.registry import resource_registry

    from policies.checks._common import PlanChangeCheck

    return {c.id for checks in resource_registry.checks.values() for c in checks if isinstance(c, PlanChangeCheck)}


def deletions_view(plan: dict) -> dict | None:
    """A plan JSON of every managed resource `plan` deletes or replaces, with its `before` values.

    checkov scans `planned_values` only: a deleted resource is not there, and a replaced one shows
    its new values. The change rules run on this view instead; None when nothing is deleted (then
    no change rule has anything to judge and no second scan runs)."""
    changes = [
        c
        for c in plan.get("resource_changes") or []
        if c.get("mode", "managed") == "managed" and "delete" in ((c.get("change") or {}).get("actions") or [])
    ]
    if not changes:
        return None
    resources = [
        {
            "address": c.get("address"),
            "mode": "managed",
            "type": c.get("type"),
            "name": c.get("name"),
            "values": (c.get("change") or {}).get("before") or {},
        }
        for c in changes
    ]
    return {
        "format_version": plan.get("format_version", "1.2"),
        "terraform_version": plan.get("terraform_version") or "1",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": changes,
    }


SOURCE_ACCOUNT = re.compile(r'aws:SourceAccount\\?"\s*:\s*\\?"(\d{12})\\?"')


def home_accounts(synth: dict | None) -> list[str]:
    """The zone's own account(s) for a stack: the provider's `allowed_account_ids` (AWS target), else
    the accounts its trust and service grants pin with `aws:SourceAccount` (every mlzone service role
    carries one; the local target sets no allowed_account_ids)."""
    providers = ((synth or {}).get("provider") or {}).get("aws") or []
    pinned = [str(a) for p in providers if isinstance(p, dict) for a in p.get("allowed_account_ids") or []]
    return pinned or sorted(set(SOURCE_ACCOUNT.findall(json.dumps(synth.get("resource") or {}) if synth else "")))


def shared_model_groups(synth: dict | None) -> list[str]:
    """The model package groups other projects share with a stack (`"//".mlzone.shared_models`)."""
    found: Any = synth or {}
    for key in SHARED_MODELS_JSON_PATH.split("."):
        found = (found or {}).get(key) if isinstance(found, dict) else None
    return list(found or [])


def _scan(
    file: Path,
    kind: str,
    checks: list[str] | None = None,
    home_accounts: Sequence[str] = (),
    shared_groups: Sequence[str] = (),
):
    """checkov records of one file (all checks, or only `checks`): (passed, failed, parsing errors).

    `home_accounts` tells the cross-account check (CKV_MLZ_38) which accounts are the zone's own,
    `shared_groups` the registry check (CKV_MLZ_53) which other projects' package groups the stack may use."""
    _checkov()
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
    from checkov.terraform.plan_runner import Runner as PlanRunner
    from checkov.terraform_json.runner import TerraformJsonRunner

    runner = PlanRunner() if kind == "plan" else TerraformJsonRunner()
    report = runner.run(root_folder=None, files=[str(file)], runner_filter=runner_filter)
    return report if isinstance(report, list) else [report]


def _address(record_resource: str) -> str:
    return record_resource.split("[", 1)[0]


def _logical_id(address: str) -> str:
    return address.rsplit(".", 1)[-1]


def gate_file(file: Path) -> FileResult:
    """checkov (state checks and, on plans, change rules) on one file; exceptions are applied by `run`."""
    try:
        doc = json.loads(file.read_text())
    except (OSError, ValueError) as exc:
        return FileResult(str(file), "unknown", file.parent.name, errors=[f"cannot read JSON: {exc}"])
    kind = kind_of(doc)
    synth = _synth_for(file, doc, kind)
    stack, paths = stack_name(file, synth), construct_paths(synth or {})
    result = FileResult(str(file), kind, stack)
    if kind == "unknown":
        result.errors.append("neither a synthesized cdk.tf.json nor a terraform plan JSON")
        return result
    if kind == "synth" and not file.name.endswith(".tf.json"):
        result.errors.append("checkov scans Terraform JSON only in files named *.tf.json; fix: rename the file")
        return result
    result.waivers = construct_waivers(synth)
    passed, failed, parse_errors = _scan(
        file, kind, home_accounts=home_accounts(synth), shared_groups=shared_model_groups(synth)
    )
    result.passed = len(passed)
    result.errors += [f"checkov could not parse {e}" for e in parse_errors]
    for rec in failed:
        address = _address(rec.resource)
        result.findings.append(
            Finding(
                check_id=rec.check_id,
                name=rec.check_name,
                stack=stack,
                file=str(file),
                address=address,
                path=paths.get(address) or paths.get(_logical_id(address)) or f"{stack}/{address}",
                kind=kind,
                details=tuple(rec.details or ()),
                guideline=rec.guideline or "",
            )
        )
    if kind == "plan":
        result.passed += 1  # the change rules judged the plan's deletions (a destroy plan keeps nothing else)
    if result.passed + len(result.findings) == 0:
        result.errors.append("zero checks ran (checkov found nothing to scan); the gate fails closed")
    return result


def run(paths: list[Path], exceptions_file: Path = EXCEPTIONS_FILE, today: dt.date | None = None) -> GateResult:
    """Gate every file under `paths`; never raises on findings (see `GateResult.ok`)."""
    today = today or dt.date.today()
    files = collect(paths)
    waivers, errors = load_waivers(exceptions_file)
    errors += [p for w in waivers for p in w.problems(today)]
    valid = [w for w in waivers if not w.problems(today)]
    results = [gate_file(f) for f in files]
    if not files:
        errors.append("no cdk.tf.json or plan JSON found; the gate fails closed")
    recorded = list(dict.fromkeys(w for r in results for w in r.waivers))  # a plan repeats its synth's
    covered = covered_builtins()
    errors += [
        f"{'waiver recorded on construct' if w.origin == CONSTRUCT else 'exception on'} {w.resource} names "
        f"{w.check_id}, which the gate does not run: {covered[w.check_id]} covers it (policies/overlaps.yaml); "
        f"fix: name {covered[w.check_id]}"
        for w in [*waivers, *recorded]
        if w.check_id in covered
    ]
    errors += [p for w in recorded for p in w.problems(today)]
    if recorded:
        known = loaded_check_ids()
        errors += [
            f"waiver recorded on construct {w.resource} names unknown check {w.check_id}; fix: the check id"
            for w in recorded
            if w.check_id not in known
        ]
    used: dict[Waiver, set[str]] = {}
    exceptions = sorted(valid, key=lambda w: w.is_glob)  # an exact entry wins over a glob
    for result in results:
        candidates = [w for w in result.waivers if not w.problems(today)] + exceptions
        for i, finding in enumerate(result.findings):
            waiver = next((w for w in candidates if w.matches_finding(finding)), None)
            if waiver:
                used.setdefault(waiver, set()).add(finding.path)
                result.findings[i] = replace(finding, waiver=waiver)
    stacks, kinds = {r.stack for r in results} | {"*"}, {r.kind for r in results} | {"any"}
    warnings = [
        f"exception {w.check_id} on {w.resource} matched nothing; remove it if the resource is fixed"
        for w in waivers
        if w not in used and w.stack in stacks and w.scope in kinds
    ]
    warnings += [
        f"exception {w.check_id} on {w.resource} now matches {path}, which is not in its matches: list; "
        f"fix: check that the reason is true for it and add it, or narrow the glob"
        for w, paths in used.items()
        if w.is_glob
        for path in sorted(paths - set(w.matches or ()))
    ]
    warnings += [
        f"exception {w.check_id} on {w.resource} lists {path} in matches: but no longer matches it; "
        f"fix: remove it from the list"
        for w in valid
        if w.is_glob and w.scope in kinds
        for path in w.matches or ()
        if path.split("/", 1)[0] in stacks and path not in used.get(w, set())
    ]
    return GateResult(files=results, errors=errors, warnings=warnings, report_only=report_only())


def report_only() -> bool:
    return os.environ.get(MODE_ENV, "").lower() == "report-only"
