"""What the gate reads off a plan or a stack besides checkov: a plan's deletions, the zone's own accounts."""

from __future__ import annotations

import json
import re
from typing import Any

from modules.layout import SHARED_MODELS_JSON_PATH

SOURCE_ACCOUNT = re.compile(r'aws:SourceAccount\\?"\s*:\s*\\?"(\d{12})\\?"')


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


def shared_model_groups(synth: dict | None) -> list[str]:
    """The model package groups other projects share with a stack (`"//".mlzone.shared_models`)."""
    found: Any = synth or {}
    for key in SHARED_MODELS_JSON_PATH.split("."):
        found = (found or {}).get(key) if isinstance(found, dict) else None
    return list(found or [])


def home_accounts(synth: dict | None) -> list[str]:
    """The zone's own account(s) for a stack: the provider's `allowed_account_ids` (AWS target), else
    the accounts its trust and service grants pin with `aws:SourceAccount` (every mlzone service role
    carries one; the local target sets no allowed_account_ids)."""
    providers = ((synth or {}).get("provider") or {}).get("aws") or []
    pinned = [str(a) for p in providers if isinstance(p, dict) for a in p.get("allowed_account_ids") or []]
    return pinned or sorted(set(SOURCE_ACCOUNT.findall(json.dumps(synth.get("resource") or {}) if synth else "")))
