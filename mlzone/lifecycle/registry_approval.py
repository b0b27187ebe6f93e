"""`mlzone model approve|reject`: a named approver decides on a pending version, and the decision is
recorded in the audit bucket (`approvals/<project>/<model>/<version>-<stamp>.json`).

Four eyes, in the command (IAM has no condition key for "who created this package"):
- the caller must be one of the project's `approvers` (an assumed role matches its role ARN, any path);
- the caller must not be the identity that registered the version (compared with the session: on SSO
  the session name is the user, so two people sharing an approver role are two identities);
- only a `PendingManualApproval` version is decided; a second decision is refused (exit 3).
The status changes first, then the record is written; if the record cannot be written the status is
set back to `PendingManualApproval`, so no decision exists without its record.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from mlzone import audit_record
from mlzone.lifecycle.registry import Clients, caller_arn
from mlzone.lifecycle.registry_context import LifecycleError, ProjectContext
from modules.limits import REASON_MIN_CHARS

DECISIONS = {"approve": "Approved", "reject": "Rejected"}
PENDING = "PendingManualApproval"
_PRINCIPAL = re.compile(r"arn:aws:(?:iam|sts)::(\d{12}):(user|role|assumed-role)/(.+)")


def principal(arn: str) -> tuple[str, str, str] | None:
    """(account, 'user'|'role', name) of an IAM user/role ARN or an STS assumed-role ARN."""
    found = _PRINCIPAL.fullmatch(arn)
    if not found:
        return None
    account, kind, rest = found.groups()
    if kind == "assumed-role":
        return account, "role", rest.split("/")[0]
    return account, kind, rest.rsplit("/", 1)[-1]


def check_reason(reason: str) -> str:
    text = (reason or "").strip()
    if len(text) < REASON_MIN_CHARS:
        raise LifecycleError(
            f"--reason has {len(text)} characters besides spaces; fix: say in at least "
            f"{REASON_MIN_CHARS} characters why (it is kept in the audit record)"
        )
    return text


def decide(
    ctx: ProjectContext, model: str, version: int, decision: str, reason: str, clients: Clients
) -> dict[str, Any]:
    """Approve or reject `version`; returns the approval record (with its `record_uri`)."""
    group, text = ctx.group(model), check_reason(reason)
    if version < 1:
        raise LifecycleError(f"version {version} is not a version number; fix: see `mlzone model list {ctx.project}`")
    caller = caller_arn(clients)
    account = caller.split(":")[4]
    sm = clients("sagemaker")
    arn = f"arn:aws:sagemaker:{ctx.region}:{account}:model-package/{group}/{version}"
    try:
        described = sm.describe_model_package(ModelPackageName=arn)
    except sm.exceptions.ClientError:
        raise LifecycleError(
            f"{group} has no version {version}; fix: see `mlzone model list {ctx.project} {model}`"
        ) from None
    meta = described.get("CustomerMetadataProperties", {})
    status = described["ModelApprovalStatus"]
    if status != PENDING:
        raise LifecycleError(
            f"{group} version {version} is already {status}; a decision is made once "
            "(register a new version to decide again)",
            code=3,
        )
    approvers = {principal(a) for a in ctx.approvers}
    if not approvers:
        raise LifecycleError(
            f"projects/{ctx.project}.yaml names no approvers; fix: add `approvers:` with the "
            "IAM role or user ARNs allowed to decide, and `mlzone deploy`",
            code=3,
        )
    if principal(caller) not in approvers:
        raise LifecycleError(
            f"{caller} is not an approver of project {ctx.project} (approvers: "
            f"{', '.join(ctx.approvers)}); fix: ask one of them",
            code=3,
        )
    if caller == meta.get("mlzone:registered_by"):
        raise LifecycleError(
            f"{caller} registered {group} version {version} and cannot also decide on it "
            "(four eyes); fix: ask another approver",
            code=3,
        )
    now = datetime.now(UTC)
    record = {
        "decision": DECISIONS[decision],
        "caller_arn": caller,
        "time": now.isoformat(),
        "reason": text,
        "model_package_arn": arn,
        "project": ctx.project,
        "model": model,
        "version": version,
        "registered_by": meta.get("mlzone:registered_by", ""),
        "run_id": meta.get("mlzone:run_id", ""),
        "metrics": json.loads(meta.get("mlzone:metrics", "{}")),
    }
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=DECISIONS[decision], ApprovalDescription=text)
    key = f"approvals/{ctx.project}/{model}/{version}-{audit_record.stamp(now)}.json"
    try:
        record["record_uri"] = audit_record.put(clients("s3"), ctx.audit_bucket, key, record)
    except Exception:
        sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=PENDING)
        raise
    return record
