"""Waivers recorded where the decision is made: an `allow_*` reason on a construct names the policy
checks it relaxes, so the reason is written once.

`waive(construct, reason, "CKV_MLZ_6")` records the waiver with the stack's writer aspect; at synth
the aspect copies every waiver of the stack, in construct-tree order, into its `cdk.tf.json` under
`"//".mlzone.waivers` (`[{"path", "checks", "reason"}]`), where the policy gate reads them. (Kept on
the Python side rather than as node metadata: reading metadata back costs jsii calls on every node.) A
waiver covers only the named checks, and only on resources at or under the construct's path.
Owner, ticket and expiry stay in `policies/exceptions.yaml` for everything else.
"""

from __future__ import annotations

import re

import jsii
from cdktf import Aspects, IAspect, TerraformStack
from constructs import Construct, IConstruct

from modules.limits import REASON_MIN_CHARS as MIN_REASON  # the rule of every opt-out (and exceptions.yaml)

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
    path = construct.node.path
    where = f"waiver on {path}"
    text = check_reason(where, reason)
    if isinstance(construct, TerraformStack):
        raise ValueError(f"{where}: waive on the construct that made the decision, not on a whole stack")
    bad = [c for c in check_ids if not CHECK_ID.fullmatch(c)]
    if not check_ids or bad:
        raise ValueError(f"{where}: name the check ids it waives (e.g. CKV_MLZ_6), got {list(check_ids)}")
    stack = TerraformStack.of(construct)
    writer = _writer(stack)
    if writer is None:
        writer = _WriteWaivers(stack)
        Aspects.of(stack).add(writer)
    writer.recorded.append((construct, {"path": path, "checks": sorted(check_ids), "reason": text}))


def waivers_of(scope: IConstruct) -> list[dict]:
    """Every waiver recorded at or under `scope`, in construct-tree order: `{"path", "checks", "reason"}`."""
    writer = _writer(TerraformStack.of(scope))
    if writer is None:
        return []
    order = {id(node): i for i, node in enumerate(scope.node.find_all())}  # one jsii call: the tree, in order
    found = [(order[id(c)], n, entry) for n, (c, entry) in enumerate(writer.recorded) if id(c) in order]
    return [entry for *_, entry in sorted(found, key=lambda f: (f[0], f[1]))]


def _writer(stack: TerraformStack) -> _WriteWaivers | None:
    return next((a for a in Aspects.of(stack).all if isinstance(a, _WriteWaivers)), None)


@jsii.implements(IAspect)
class _WriteWaivers:
    """Copies the stack's waivers into its synthesized JSON (runs once per stack at synth)."""

    def __init__(self, stack: TerraformStack) -> None:
        self.stack = stack
        self.recorded: list[tuple[IConstruct, dict]] = []  # (construct, waiver) in the order waive() was called

    def visit(self, node: IConstruct) -> None:
        if node is self.stack:
            self.stack.add_override(JSON_PATH, waivers_of(self.stack))
