"""One lock per zone folder, taken before anything else by every command that touches its local files.

Two commands in one folder share `cdktf.out/`, `.mlzone/plans/`, `.mlzone/state/` and the kept emulator,
whatever their targets, so the lock is per folder: `.mlzone/zone.lock`, held with `fcntl.flock` for the
whole command (the kernel releases it when the process ends, even when killed) and holding a JSON record
of the holder (pid, start time, command, target). A second command is refused at once, naming it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

LOCK_FILE = "zone.lock"


class ZoneBusy(RuntimeError):
    """Another live process holds the zone's lock; the message names it."""


def holder(path: Path) -> str:
    """The lock record of `path` as one line (what the refused command prints)."""
    try:
        record = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        record = {}
    if not record:
        return "a process that has not written its record yet"
    command, target, started = record.get("command"), record.get("target"), record.get("started")
    return f"pid {record.get('pid')}, `{command}` (target {target}), started {started}"


@contextlib.contextmanager
def zone_lock(work: Path, command: str, target: str) -> Iterator[Path]:
    """Hold `<work>/zone.lock` while the block runs; raise ZoneBusy at once if another process holds it."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ZoneBusy(
                f"another mlzone command is using this zone ({path}): {holder(path)}; fix: wait for it "
                "to end or stop it (Ctrl-C in its terminal); the lock is released when it exits"
            ) from None
        record = {
            "pid": os.getpid(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": command,
            "target": target,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock
