"""Helpers shared by the CKV_MLZ Python checks; defines no check itself.

checkov hands a check the resource as a dict whose values are wrapped in one-element lists, on both
runners. They differ in two ways this module hides:
- terraform_json (cdk.tf.json): IAM/KMS policies are JSON *strings*, references are `${...}` tokens;
- terraform_plan (plan JSON): policies are already dicts, values unknown until apply are bare
  references such as `aws_kms_key.data.arn`.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

TOKEN = re.compile(r"\$\{.+\}")
WORLD = ("0.0.0.0/0", "::/0")
UNKNOWN = None  # returned by `MlzCheck.problems` when the resource cannot be judged (e.g. a token policy)


def unwrap(value: Any) -> Any:
    """checkov wraps every value in a one-element list; return the value itself."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def get(conf: dict, path: str, default: Any = None) -> Any:
    """Value at a dotted path (`rule.default_retention.mode`), unwrapping checkov's lists on the way."""
    value: Any = conf
    for key in path.split("."):
        value = unwrap(value)
        if not isinstance(value, dict) or value.get(key) is None:
            return default
        value = value[key]
    value = unwrap(value)
    return default if value is None or value == [] else value


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def is_set(value: Any) -> bool:
    """A non-empty value (a reference or token counts: it resolves to something at apply)."""
    return value not in (None, "", [], {})


def as_list(value: Any) -> list:
    value = unwrap(value)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def document(value: Any) -> dict | None:
    """A policy document from a JSON string (synth) or a dict (plan); None when it is one opaque token."""
    value = unwrap(value)
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None  # e.g. "${data.aws_iam_policy_document.x.json}": the plan gate sees it resolved
    return parsed if isinstance(parsed, dict) else None


def statements(doc: dict) -> list[dict]:
    return [s for s in as_list(doc.get("Statement")) if isinstance(s, dict)]


def allows(statement: dict) -> bool:
    return statement.get("Effect", "Allow") == "Allow"


def principals(statement: dict) -> dict[str, list]:
    """`{"AWS": [...], "Service": [...]}`; the bare `"*"` principal becomes `{"*": ["*"]}`."""
    principal = statement.get("Principal")
    if principal is None:
        return {}
    if not isinstance(principal, dict):
        return {"*": ["*"]} if principal == "*" else {"AWS": as_list(principal)}
    return {kind: as_list(who) for kind, who in principal.items()}


def actions(statement: dict) -> list[str]:
    return [str(a) for a in as_list(statement.get("Action"))]


def failed(rules: dict[str, bool]) -> list[str]:
    """The problems whose condition is False: `failed({"rotation is off": rotates, ...})`."""
    return [problem for problem, ok in rules.items() if not ok]


def tags_missing(tags: Any, required: Iterable[str]) -> list[str]:
    tags = unwrap(tags) if isinstance(unwrap(tags), dict) else {}
    return [key for key in required if not str(unwrap(tags.get(key)) or "").strip()]


class MlzCheck(BaseResourceCheck):
    """Base of every CKV_MLZ Python check.

    A subclass sets `ID` and `RESOURCES` and implements `problems(conf)`, returning the list of
    problems found (empty: passed) or `UNKNOWN`. The check name is the first docstring line and
    the guideline is the docstring paragraph starting with "Remediation:".
    """

    ID: str = ""
    RESOURCES: tuple[str, ...] = ()
    CATEGORY = CheckCategories.GENERAL_SECURITY

    def __init__(self) -> None:
        doc = inspect.getdoc(type(self)) or ""
        name = doc.splitlines()[0].rstrip(".")
        guideline = next((p for p in doc.split("\n\n") if p.startswith("Remediation:")), name)
        super().__init__(
            name=name,
            id=self.ID,
            categories=(self.CATEGORY,),
            supported_resources=self.RESOURCES,
            guideline=" ".join(guideline.split()) + f" (policies/README.md#{self.ID.lower()})",
        )

    def problems(self, conf: dict) -> list[str] | None:
        raise NotImplementedError

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        found = self.problems(conf)
        if found is UNKNOWN:
            return CheckResult.UNKNOWN
        self.details.extend(found)
        return CheckResult.FAILED if found else CheckResult.PASSED


def policy_statements(conf: dict, keys: Iterable[str]) -> list[dict] | None:
    """Every statement of the policies under `keys` (`policy`, `inline_policy.policy`, ...).

    UNKNOWN when there is no policy, or none can be read (one opaque `${...}` token: the plan gate
    sees it resolved).
    """
    raws = [raw for key in keys for raw in _policy_values(conf, key)]
    docs = [doc for doc in map(document, raws) if doc is not None]
    if not docs:
        return UNKNOWN
    return [s for doc in docs for s in statements(doc)]


def statement_problems(conf: dict, keys: Iterable[str], judge: Callable[[dict], str | None]) -> list[str] | None:
    """Problems `judge(statement)` finds in the policies under `keys`; UNKNOWN as policy_statements."""
    found = policy_statements(conf, keys)
    return found if found is UNKNOWN else [p for p in map(judge, found) if p]


def _policy_values(conf: dict, key: str) -> Iterator[Any]:
    """Policy documents at `key` (`policy`, or `inline_policy.policy` for repeated blocks)."""
    head, _, rest = key.partition(".")
    items: list[Any] = as_list(conf.get(head)) if rest else [conf.get(head)]
    for item in items:
        value = get(item, rest) if rest else unwrap(item)
        if is_set(value):
            yield value


class PlanChangeCheck(MlzCheck):
    """Base of the change rules: checks of what a plan does (`__change_actions__`), not of a state.

    checkov scans a plan's `planned_values`, where a deleted resource is absent and a replaced one
    shows its new values. The gate therefore runs these checks, and only these, on a view of the
    resources a plan deletes or replaces, with their `before` values (`mlzone.gate.plan_views.deletions_view`);
    they return UNKNOWN on anything without change actions.
    """

    def changes(self, conf: dict) -> list[str] | None:
        raise NotImplementedError

    def problems(self, conf: dict) -> list[str] | None:
        return self.changes(conf) if CHANGE_ACTIONS in conf else UNKNOWN


CHANGE_ACTIONS = "__change_actions__"  # set by checkov's plan parser on every planned resource
SHARED_MODELS_ENV = "MLZONE_SHARED_MODEL_GROUPS"  # comma-separated package groups shared with the gated stack
