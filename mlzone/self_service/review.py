"""`mlzone request ... --for-review`: a refused request turned into the change a pull request needs.

The guardrails the request breaks are widened just enough for it (`widen`), written into the project's
spec file (`write_spec_change`), and the request is recorded in `requests/<project>.yaml`; the caller then
plans the project stack and its self-service stack (nothing is applied) and `write_review` writes the
pull request's description: what was refused, the spec diff and the plan summary. Once the change is
reviewed and merged, `mlzone deploy` applies it. A name already in use cannot be reviewed away.
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Any

import yaml

from mlzone.self_service.guardrails import Refusal, role_of
from stacks.self_service_spec import ClusterRequest, NotebookRequest, Requests
from stacks.spec import SpecError

REVIEWS_DIR = "reviews"  # below the zone's work folder (.mlzone/reviews/)
UNREVIEWABLE = "request name"  # a name in use is fixed by another --name, not by a review


def member_arn(caller: str) -> str:
    """The IAM ARN to list in `members` for an STS caller ARN (a role's path is not in its session ARN)."""
    found = role_of(caller)
    if found is None:
        raise SpecError(f"caller {caller!r} is not an IAM role or user; fix: run as the role your team uses")
    kind, account, name = found
    return f"arn:aws:iam::{account}:{kind}/{name}"


def widen(
    guardrails: dict[str, Any],
    refusals: list[Refusal],
    request: ClusterRequest | NotebookRequest,
    current: Requests,
    caller: str,
    needed_usd: float,
) -> dict[str, Any]:
    """The `self_service:` mapping with each refused guardrail widened just enough for `request`."""
    fields = {r.guardrail for r in refusals}
    if UNREVIEWABLE in fields:
        raise SpecError(f"request name {request.name!r} is already used in this project; fix: choose another --name")
    out = yaml.safe_load(yaml.safe_dump(guardrails))  # a deep copy of plain data
    spark, notebooks = out.setdefault("spark", {}), out.setdefault("notebooks", {})
    for field in sorted(fields):
        if field == "self_service.spark.sizes" and isinstance(request, ClusterRequest):
            spark["sizes"] = [*spark.get("sizes", []), request.size]
        elif field == "self_service.spark.max_idle_minutes" and isinstance(request, ClusterRequest):
            spark["max_idle_minutes"] = request.idle_minutes
        elif field == "self_service.spark.max_clusters":
            spark["max_clusters"] = len(current.clusters) + 1
        elif field == "self_service.notebooks.instance_types" and isinstance(request, NotebookRequest):
            notebooks["instance_types"] = [*notebooks.get("instance_types", []), request.instance_type]
        elif field == "self_service.notebooks.max":
            notebooks["max"] = len(current.notebooks) + 1
        elif field == "self_service.monthly_budget_usd":
            out["monthly_budget_usd"] = math.ceil(needed_usd)
        elif field == "self_service.members":
            out["members"] = [*out.get("members", []), member_arn(caller)]
        else:
            raise SpecError(f"guardrail {field} cannot be widened by a review; fix: change the request")
    return {k: v for k, v in out.items() if v != {}}


def spec_file(root: Path, project: str) -> Path:
    """The spec file of `project` in `<root>/projects/`."""
    for file in sorted((Path(root) / "projects").glob("*.y*ml")):
        if (yaml.safe_load(file.read_text()) or {}).get("name") == project:
            return file
    raise SpecError(f"no spec file in projects/ names project {project!r}; fix: name an existing project")


def write_spec_change(file: Path, guardrails: dict[str, Any]) -> str:
    """Replace the file's `self_service:` mapping (its leading comment lines kept); returns the unified diff."""
    before = file.read_text()
    header = "".join(line for line in before.splitlines(keepends=True) if line.startswith("#"))
    spec = yaml.safe_load(before)
    spec["self_service"] = guardrails
    after = header + yaml.safe_dump(spec, sort_keys=False)
    file.write_text(after)
    name = f"projects/{file.name}"
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{name}", f"b/{name}"))


def write_review(
    folder: Path, project: str, request: ClusterRequest | NotebookRequest, refusals: list[Refusal], diff: str, plan: str
) -> Path:
    """The pull request's description, `<folder>/<project>-<name>.md`; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{project}-{request.name}.md"
    lines = [
        f"## Self-service request for review: {project} {request.name}",
        "",
        f"Request: `{request.model_dump_json()}` (recorded in `requests/{project}.yaml`).",
        "",
        "Refused by the guardrails, which this change widens:",
        "",
        *(f"- {r}" for r in refusals),
        "",
        "### Spec change",
        "",
        "```diff",
        diff.rstrip("\n"),
        "```",
        "",
        plan.rstrip("\n"),
        "",
        "Once merged, `mlzone deploy` applies it (the project stack first, then its self-service stack).",
    ]
    out.write_text("\n".join(lines) + "\n")
    return out
