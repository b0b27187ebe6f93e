"""The local servers mlzone runs (the emulator, MLflow): each a child process in its own process group,
logging to a file, waited for until it answers, and stopped with every process it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path


def free_port(host: str = "127.0.0.1") -> int:
    """A port on `host` free now (bound and released: the server that binds it later must prove it is the one
    answering, see mlzone.emulator.server.Emulator.start)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def answers(url: str, timeout: float = 2.0) -> bool:
    """True when a GET of `url` answers with a 2xx status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return 200 <= reply.status < 300
    except OSError:
        return False


def start(
    command: list[str], cwd: Path, env: dict[str, str], log: Path, ready: Callable[[], bool], timeout: float, what: str
) -> subprocess.Popen[bytes]:
    """Start `command` (output appended to `log`) and wait until `ready()`; RuntimeError naming `what` and
    the log when it exits or is not ready within `timeout` seconds (it is stopped first)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as sink:
        proc = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError(f"{what} did not start within {timeout:g}s; see {log}")
        time.sleep(0.2)
    return proc


def stop(proc: subprocess.Popen[bytes], grace: float = 10) -> None:
    """SIGTERM the process group, SIGKILL after `grace` seconds, then any child that outlived its parent."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    kill_group(proc.pid)


def kill_group(pid: int) -> bool:
    """SIGKILL the process group `pid` leads; False when none is left."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True
