"""Deploy records: every apply of a stack writes `deployments/<stack>/<stamp>-<plan hash>.json` to the audit
bucket (mlzone.audit_record), succeeded or failed, saying what was applied, from which commit, by whom,
through which gates, and which model package version each endpoint and batch job now serves.

`RunFacts` are gathered once per command; `build` turns one stack's outcome into its record. The readers
are mlzone.deployments (the record in force at a time) and mlzone.trace.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlzone import __version__, audit_record
from mlzone.orchestrate.stack import StackOutcome
from mlzone.resolve import Reference
from mlzone.synth import GATE1_FILE
from mlzone.workspace import Workspace
from modules.naming import project_name
from stacks.spec import Zone

PREFIX = "deployments/"
PLAN_HASH_IN_KEY = 12  # hex characters of the plan hash in the key (the record holds all of it)
_PROVIDER_RE = re.compile(r'provider "([^"]+)" \{\s*version\s*=\s*"([^"]+)"')


@dataclass(frozen=True)
class RunFacts:
    """What every record of one deploy command shares."""

    action: str  # deploy | destroy
    target: str  # local | aws
    operator: str  # the caller's ARN (STS)
    git_commit: str | None  # the zone repository's HEAD; None outside a git repository
    dirty: bool | None  # uncommitted changes in the zone repository
    specs: dict[str, str]  # spec file (relative to the zone) -> sha256
    served: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)  # stack -> kind -> name -> ARN


def zone_commit(root: Path) -> tuple[str | None, bool | None]:
    """(HEAD, dirty) of the git repository holding the zone; (None, None) when it is not in one."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)

    head = git("rev-parse", "HEAD")
    if head.returncode:
        return None, None
    return head.stdout.strip(), bool(git("status", "--porcelain").stdout.strip())


def spec_hashes(root: Path) -> dict[str, str]:
    """sha256 of platform.yaml and of every project spec (a project stack reads models shared by others)."""
    files = [root / "platform.yaml", *sorted((root / "projects").glob("*.y*ml"))]
    return {str(f.relative_to(root)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files if f.is_file()}


def served(zone: Zone, resolved: dict[Reference, str]) -> dict[str, dict[str, dict[str, str]]]:
    """Per project stack, the model package version ARN each endpoint and batch job (physical names) serves."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for project in zone.projects:
        kinds: dict[str, dict[str, str]] = {"endpoints": {}, "batch_jobs": {}}
        for ref, arn in resolved.items():
            if ref.project != project.name:
                continue
            kind, index = ref.field.split("[", 1)
            entry = getattr(project, kind)[int(index.split("]", 1)[0])]
            kinds[kind][project_name(project.name, entry.name)] = arn
        out[project.name] = kinds
    return out


def gather(ws: Workspace, zone: Zone, action: str, sts: Any, resolved: dict[Reference, str]) -> RunFacts:
    """The facts of this command: operator, commit, spec hashes, what each stack serves."""
    commit, dirty = zone_commit(ws.root)
    return RunFacts(
        action=action,
        target=ws.target,
        operator=sts.get_caller_identity()["Arn"],
        git_commit=commit,
        dirty=dirty,
        specs=spec_hashes(ws.root),
        served=served(zone, resolved) if action == "deploy" else {},
    )


def plan_hash(ws: Workspace, stack: str) -> str:
    """sha256 of the saved plan file the apply ran (`tfplan`); "" when there is none."""
    tfplan = ws.plan_dir(stack) / "tfplan"
    return hashlib.sha256(tfplan.read_bytes()).hexdigest() if tfplan.is_file() else ""


def gate1_verdict(ws: Workspace, stack: str) -> dict[str, Any]:
    """Gate 1's verdict on the JSON that was planned, or why it is unknown."""
    file, planned = ws.stack_dir(stack) / GATE1_FILE, ws.plan_dir(stack) / "cdk.tf.json"
    if not file.is_file() or not planned.is_file():
        return {"passed": None, "summary": f"no gate 1 verdict ({GATE1_FILE}) beside the synthesized stack"}
    verdict = json.loads(file.read_text())
    if verdict.get("cdk_sha256") != hashlib.sha256(planned.read_bytes()).hexdigest():
        return {"passed": None, "summary": "gate 1's verdict is for other JSON than the planned one"}
    return {k: verdict[k] for k in ("passed", "report_only", "summary", "exceptions")}


def versions(ws: Workspace, stack: str) -> dict[str, Any]:
    """Terraform (from the plan), the providers (the stack's lock file) and mlzone."""
    plan_json = ws.plan_dir(stack) / "plan.json"
    lock = ws.stack_dir(stack) / ".terraform.lock.hcl"
    return {
        "terraform": json.loads(plan_json.read_text()).get("terraform_version") if plan_json.is_file() else None,
        "providers": dict(_PROVIDER_RE.findall(lock.read_text())) if lock.is_file() else {},
        "mlzone": __version__,
    }


def build(facts: RunFacts, ws: Workspace, outcome: StackOutcome, when: datetime | None = None) -> dict[str, Any]:
    """The record of one stack's apply; `status` is "failed" when the apply failed or was interrupted."""
    plan = outcome.plan
    assert plan is not None, "a deploy record is written only for a planned stack"
    kinds = facts.served.get(outcome.stack, {})
    return {
        "stack": outcome.stack,
        "action": facts.action,
        "target": facts.target,
        "status": "failed" if outcome.error else "succeeded",
        "error": outcome.error.splitlines()[0] if outcome.error else None,
        "interrupted": outcome.interrupted,
        "time": (when or datetime.now(UTC)).isoformat(),
        "operator": facts.operator,
        "git_commit": facts.git_commit,
        "dirty": facts.dirty,
        "plan_hash": plan_hash(ws, outcome.stack),
        "specs": facts.specs,
        "gate_1": gate1_verdict(ws, outcome.stack),
        "gate_2": {"passed": plan.gate_passed, "summary": plan.gate_summary, "exceptions": plan.gate_exceptions},
        "versions": versions(ws, outcome.stack),
        "counts": {"added": plan.adds, "changed": plan.changes, "destroyed": plan.destroys},
        "endpoints": kinds.get("endpoints", {}),
        "batch_jobs": kinds.get("batch_jobs", {}),
    }


def key(record: dict[str, Any]) -> str:
    """`deployments/<stack>/<stamp>-<plan hash>.json` (the stamp is the record's time)."""
    when = datetime.fromisoformat(record["time"])
    digest = record["plan_hash"][:PLAN_HASH_IN_KEY] or "noplan"
    return f"{PREFIX}{record['stack']}/{audit_record.stamp(when)}-{digest}.json"


def require_lock(s3: Any, bucket: str) -> None:
    """Refuse (RecordError) to write into an audit bucket that has no default retention yet: a platform apply
    cut short before its Object Lock rule leaves one, and a record there would not be locked (and would keep
    S3 from taking the rule on the next apply)."""
    try:
        rule = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"].get("Rule")
    except s3.exceptions.ClientError:
        rule = None
    if not rule:
        raise audit_record.RecordError(
            f"s3://{bucket} has no Object Lock retention rule yet (the platform's apply did not finish), "
            "so no record is written into it"
        )


def write(s3: Any, bucket: str, facts: RunFacts, ws: Workspace, outcome: StackOutcome) -> str:
    """Write the record of one stack's apply into the locked audit bucket; returns its URI."""
    require_lock(s3, bucket)
    record = build(facts, ws, outcome)
    return audit_record.put(s3, bucket, key(record), record)


def recorder(s3: Any, bucket: str, facts: RunFacts, ws: Workspace) -> Callable[[StackOutcome], None]:
    """The callback the waves call after each apply: writes its record and keeps the URI on the outcome.
    A record that cannot be written is kept as `record_error` (the apply itself is done: later waves go on,
    and the command exits 1)."""

    def record(outcome: StackOutcome) -> None:
        try:
            outcome.record_uri = write(s3, bucket, facts, ws, outcome)
        except Exception as exc:  # noqa: BLE001  (any S3 failure: named on the outcome, never lost in a thread)
            outcome.record_error = (
                f"stack {outcome.stack}, step record: the deploy record could not be written to "
                f"s3://{bucket}/{PREFIX}{outcome.stack}/: {exc}; fix: check the deploy identity's access "
                "to the audit bucket and its key, then deploy again"
            )

    return record
