"""Exceptions (policies/exceptions.yaml) and construct waivers (`allow_*` reasons in cdk.tf.json)."""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from mlzone.gate.paths import EXCEPTIONS_FILE
from modules.limits import REASON_MIN_CHARS as MIN_REASON

if TYPE_CHECKING:
    from mlzone.gate.findings import Finding

SCOPES = ("any", "synth", "plan")
CONSTRUCT = "construct"  # Waiver.origin of a waiver recorded on a construct


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
