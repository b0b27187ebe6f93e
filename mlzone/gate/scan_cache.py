"""checkov's verdict on a file, kept by content: a file scanned before, with the same code and settings, is not
scanned again. The gate still applies exceptions and waivers to every file anew. The cache is the folder
`MLZONE_SCAN_CACHE` names, by default `.mlzone/scan-cache/` of the mlzone checkout."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from mlzone import fingerprint
from mlzone.gate.checkov_scan import scan
from mlzone.gate.paths import ROOT

CACHE_ENV = "MLZONE_SCAN_CACHE"  # the cache folder (default DEFAULT_DIR)
DEFAULT_DIR = ROOT / ".mlzone" / "scan-cache"
KEEP = 1000  # the newest entries kept; older ones are removed when an entry is added


@dataclass(frozen=True)
class Failed:
    """What the gate reads of one failed checkov record."""

    check_id: str
    check_name: str
    resource: str
    details: tuple[str, ...] = ()
    guideline: str = ""


@dataclass(frozen=True)
class Scanned:
    """checkov on one file: how many checks passed, the failed records, the parsing errors."""

    passed: int
    failed: tuple[Failed, ...]
    errors: tuple[str, ...]


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_DIR)


def key(file: Path, kind: str, home_accounts: Sequence[str], shared_groups: Sequence[str]) -> str:
    """sha256 of everything a scan's result depends on: the file's bytes, the scan's arguments, the code, settings."""
    context = [fingerprint.code(), fingerprint.settings(), kind, list(home_accounts), list(shared_groups)]
    return hashlib.sha256(json.dumps(context).encode() + b"\0" + file.read_bytes()).hexdigest()


def scanned(file: Path, kind: str, home_accounts: Sequence[str] = (), shared_groups: Sequence[str] = ()) -> Scanned:
    """The scan of `file` (every check the gate runs), from the cache when this exact scan was made before."""
    entry = cache_dir() / f"{key(file, kind, home_accounts, shared_groups)}.json"
    try:
        kept = json.loads(entry.read_text())
        failed = tuple(Failed(**{**f, "details": tuple(f["details"])}) for f in kept["failed"])
        os.utime(entry)  # the newest entries are the ones kept
        return Scanned(kept["passed"], failed, tuple(kept["errors"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not scanned before (or an unreadable entry): scan
    passed, failed, errors = scan(file, kind, home_accounts=home_accounts, shared_groups=shared_groups)
    result = Scanned(
        len(passed),
        tuple(Failed(r.check_id, r.check_name, r.resource, tuple(r.details or ()), r.guideline or "") for r in failed),
        tuple(errors),
    )
    if not errors:  # a file checkov could not parse is scanned again next time
        _keep(entry, result)
    return result


def _keep(entry: Path, result: Scanned) -> None:
    """Write `entry` atomically (two processes may scan the same file), then drop the oldest beyond KEEP."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=entry.parent, suffix=".tmp", delete=False) as tmp:
        json.dump(asdict(result), tmp)
    os.replace(tmp.name, entry)
    entries = sorted(entry.parent.glob("*.json"), key=_mtime)
    for old in entries[: max(0, len(entries) - KEEP)]:
        old.unlink(missing_ok=True)


def _mtime(entry: Path) -> float:
    try:
        return entry.stat().st_mtime
    except OSError:  # removed by another process meanwhile
        return 0.0
