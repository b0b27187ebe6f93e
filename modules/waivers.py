"""Waivers recorded where the decision is made: an `allow_*` reason on a construct names the policy
checks it relaxes, so the reason is written once.

`waive(construct, reason, "CKV_MLZ_6")` adds node metadata (`mlzone:waiver`) to the construct; at
synth an aspect copies every waiver of a stack into its `cdk.tf.json` under
`"//".mlzone.waivers` (`[{"path", "checks", "reason"}]`), where the policy gate reads them. A
waiver covers only the named checks, and only on resources at or under the construct's path.
Owner, ticket and expiry stay in `policies/exceptions.yaml` for everything else.
"""

from __future__ import annotations

import re

import jsii
from cdktf import Aspects, IAspect, TerraformStack
from constructs import Construct, IConstruct

from modules.limits import REASON_MIN_CHARS as MIN_REASON  # the rule of every opt-out (and exceptions.yaml)

METADATA = "mlzone:waiver"
JSON_PATH = "//.mlzone.waivers"
CHECK_ID = re.compile(r"CKV2?_[A-Z0-9]+_\d+|MLZ_PLAN_\d+")


def check_reason(what: str, reason: str | None) -> str:
    """The reason, stripped; ValueError naming `what` when it is missing or under MIN_REASON characters."""
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise ValueError(f"{what}: the reason must say why in at least {MIN_REASON} characters, got {text!r}")
    return text


def waive(construct: Construct, reason: str | None, *check_ids: str) -> None:
    """Record that the resources of `construct` may fail `check_ids`, for `reason`."""
    where = f"waiver on {construct.node.path}"
    text = check_reason(where, reason)
    if isinstance(construct, TerraformStack):
        raise ValueError(f"{where}: waive on the construct that made the decision, not on a whole stack")
    bad = [c for c in check_ids if not CHECK_ID.fullmatch(c)]
    if not check_ids or bad:
        raise ValueError(f"{where}: name the check ids it waives (e.g. CKV_MLZ_6), got {list(check_ids)}")
    construct.node.add_metadata(METADATA, {"checks": sorted(check_ids), "reason": text})
    stack = TerraformStack.of(construct)
    if not any(isinstance(a, _WriteWaivers) for a in Aspects.of(stack).all):
        Aspects.of(stack).add(_WriteWaivers(stack))


def waivers_of(scope: IConstruct) -> list[dict]:
    """Every waiver recorded at or under `scope`: `{"path", "checks", "reason"}`."""
    return [
        {"path": node.node.path, **entry.data}
        for node in scope.node.find_all()
        for entry in node.node.metadata
        if entry.type == METADATA
    ]


@jsii.implements(IAspect)
class _WriteWaivers:
    """Copies the stack's waivers into its synthesized JSON (runs once per stack at synth)."""

    def __init__(self, stack: TerraformStack) -> None:
        self.stack = stack

    def visit(self, node: IConstruct) -> None:
        if node is self.stack:
            self.stack.add_override(JSON_PATH, waivers_of(self.stack))
