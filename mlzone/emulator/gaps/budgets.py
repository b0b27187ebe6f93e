"""moto gaps of AWS Budgets: a notification's subscribers, budget updates and budget tags."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mlzone.emulator.gaps import store
from mlzone.emulator.registry import fills

RESPONSE = "moto.budgets.responses:BudgetsResponse"
# The fields that identify a notification (AWS defaults ThresholdType to PERCENTAGE).
NOTIFICATION_KEYS = ("NotificationType", "ComparisonOperator", "Threshold", "ThresholdType")


def _budget(self: Any, name: str) -> Any:
    from moto.budgets.exceptions import NotFoundException

    found = self.backend.budgets[self._get_param("AccountId")].get(name)
    if found is None:
        raise NotFoundException(f"Unable to get budget: {name} - the budget doesn't exist.")
    return found


def _identity(details: dict[str, Any]) -> tuple[Any, ...]:
    full = {"ThresholdType": "PERCENTAGE", **details}
    return tuple(float(full[k]) if k == "Threshold" else full.get(k) for k in NOTIFICATION_KEYS)


def _tags(self: Any) -> dict[str, dict[str, str]]:
    return store(self.backend, "tags")


def _arn(self: Any, name: str) -> str:
    return f"arn:aws:budgets::{self._get_param('AccountId')}:budget/{name}"


@fills("budgets", "DescribeSubscribersForNotification", on=RESPONSE)
def budgets_describe_subscribers_for_notification(self: Any) -> str:
    """moto gap: Budgets `DescribeSubscribersForNotification` (read on every refresh of aws_budgets_budget)."""
    from moto.budgets.exceptions import NotFoundException

    budget = _budget(self, self._get_param("BudgetName"))
    wanted = _identity(self._get_param("Notification"))
    found = next((n for n in budget.notifications if _identity(n.details) == wanted), None)
    if found is None:
        raise NotFoundException("Unable to get subscribers - the notification doesn't exist.")
    return json.dumps({"Subscribers": found.subscribers})


@fills("budgets", "UpdateBudget", on=RESPONSE)
def budgets_update_budget(self: Any) -> str:
    """moto gap: Budgets `UpdateBudget` (a changed limit, filter or time unit)."""
    new = self._get_param("NewBudget")
    budget = _budget(self, new["BudgetName"])
    budget.budget = {**budget.budget, **new}
    return json.dumps({})


@fills("budgets", "CreateBudget", on=RESPONSE, wraps=True)
def budgets_create_budget_keeping_tags(original: Callable[[Any], str]) -> Callable[[Any], str]:
    """moto gap: Budgets `CreateBudget` ignores `ResourceTags`."""

    def create_budget(self: Any) -> str:
        reply = original(self)
        name = self._get_param("Budget")["BudgetName"]
        _tags(self)[_arn(self, name)] = {t["Key"]: t["Value"] for t in self._get_param("ResourceTags") or []}
        return reply

    return create_budget


@fills("budgets", "ListTagsForResource", on=RESPONSE)
def budgets_list_tags_for_resource(self: Any) -> str:
    """moto gap: Budgets `ListTagsForResource` (read on every refresh of a tagged aws_budgets_budget)."""
    tags = _tags(self).get(self._get_param("ResourceARN"), {})
    return json.dumps({"ResourceTags": [{"Key": k, "Value": v} for k, v in tags.items()]})


@fills("budgets", "TagResource", on=RESPONSE)
def budgets_tag_resource(self: Any) -> str:
    """moto gap: Budgets `TagResource`."""
    tags = _tags(self).setdefault(self._get_param("ResourceARN"), {})
    tags.update({t["Key"]: t["Value"] for t in self._get_param("ResourceTags") or []})
    return json.dumps({})


@fills("budgets", "UntagResource", on=RESPONSE)
def budgets_untag_resource(self: Any) -> str:
    """moto gap: Budgets `UntagResource`."""
    tags = _tags(self).get(self._get_param("ResourceARN"), {})
    for key in self._get_param("ResourceTagKeys") or []:
        tags.pop(key, None)
    return json.dumps({})
