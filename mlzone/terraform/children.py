"""Every live Terraform child process, so that Ctrl-C (or a timeout) can stop them all, gracefully first.

Each child runs in its own session, so the terminal's interrupt reaches only mlzone; `interrupt_all`
then interrupts every child at once, and `run_parallel` does so when Ctrl-C comes during a wave."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from mlzone.terraform.errors import TerraformInterrupted

T = TypeVar("T")
R = TypeVar("R")

# Every live Terraform child with its (stack, step, log), so Ctrl-C (or a timeout) can stop them all.
_LIVE: dict[subprocess.Popen[bytes], tuple[str, str, Path]] = {}
_LIVE_LOCK = threading.Lock()
_INTERRUPTED = threading.Event()  # set by interrupt_all(): no new Terraform step starts
_SIGNALLED: set[subprocess.Popen[bytes]] = set()  # children interrupt_all() interrupted
GRACE_SECONDS = 20  # after SIGINT Terraform saves state and releases its lock; then SIGKILL
SAVE_FAILED = ("Failed to save state", "Failed to persist state")  # Terraform's words when it could not
WRITES_STATE = ("apply", "state-rm")  # steps whose interruption leaves a partial change in the state
INTERRUPT_ACK = "Interrupt received"  # Terraform's first words on SIGINT, before it shuts down gracefully


@dataclass(frozen=True)
class Stopped:
    """What Ctrl-C did to one running Terraform step."""

    stack: str
    step: str
    log: Path
    seconds: float  # from SIGINT until it exited (or was killed)
    returncode: int
    killed: bool = False  # it did not stop within GRACE_SECONDS (or a second Ctrl-C came)
    acknowledged: bool = False  # Terraform logged "Interrupt received" and shut down gracefully
    save_failed: bool = False  # Terraform logged that it could not save the state

    def describe(self) -> str:
        """One line for the user: what happened to this step, in Terraform's own terms."""
        where = f"stack {self.stack}: {self.step}"
        if self.returncode == 0:
            return f"{where} had already finished when the interrupt arrived"
        if self.killed:
            return (
                f"{where} did not stop within {self.seconds:.0f}s and was killed: its state may miss the last "
                f"changes and stay locked (log: {self.log})"
            )
        if self.save_failed:
            return f"{where} interrupted; Terraform reported it could not save the state (log: {self.log})"
        if not self.acknowledged:
            return f"{where} ended (exit {self.returncode}) before acting on the interrupt (log: {self.log})"
        if self.step in WRITES_STATE:
            return f"{where} interrupted; Terraform stopped gracefully after {self.seconds:.0f}s and saved the state"
        return f"{where} interrupted; Terraform stopped after {self.seconds:.0f}s (this step changes nothing)"


def spawn(
    cmd: list[str], cwd: Path, env: dict[str, str], sink: IO[bytes], stack: str, step: str, log: Path
) -> subprocess.Popen[bytes]:
    """Start Terraform in its own session (stdout piped, stderr to `sink`) and record it as live;
    refused once interrupt_all() ran."""
    with _LIVE_LOCK:
        if _INTERRUPTED.is_set():
            raise TerraformInterrupted(f"stack {stack}, step {step}: not started (interrupted)")
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=sink, start_new_session=True)
        _LIVE[proc] = (stack, step, log)
    return proc


def release(proc: subprocess.Popen[bytes]) -> bool:
    """Forget a child that ended; True when interrupt_all() had interrupted it."""
    with _LIVE_LOCK:
        _LIVE.pop(proc, None)
        return proc in _SIGNALLED


def _signal(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Interrupt Terraform like Ctrl-C would (it saves state and unlocks), then kill its process group."""
    if proc.poll() is not None:
        return
    _signal(proc, signal.SIGINT)
    try:
        proc.wait(GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    _signal(proc, signal.SIGKILL)  # whatever is left of its group (children holding its output open)
    proc.wait()


def interrupt_all() -> list[Stopped]:
    """Ctrl-C: SIGINT every running Terraform child at once (each runs in its own session, so the terminal's
    interrupt does not reach it), wait up to GRACE_SECONDS for all of them, SIGKILL what is left (at once on
    a second Ctrl-C). No Terraform step starts afterwards. Returns what happened to each."""
    with _LIVE_LOCK:
        _INTERRUPTED.set()
        live = dict(_LIVE)
        _SIGNALLED.update(live)
    started = time.monotonic()
    for proc in live:
        _signal(proc, signal.SIGINT)
    ended: dict[subprocess.Popen[bytes], float] = {}
    try:
        while len(ended) < len(live) and time.monotonic() < started + GRACE_SECONDS:
            ended.update({p: time.monotonic() - started for p in live if p not in ended and p.poll() is not None})
            time.sleep(0.1)
    except KeyboardInterrupt:  # a second Ctrl-C: stop waiting
        pass
    stopped = []
    for proc, (stack, step, log) in live.items():
        killed = proc.poll() is None
        _signal(proc, signal.SIGKILL)  # it, if still running, and what is left of its group
        proc.wait()
        text = log.read_text(errors="replace") if log.is_file() else ""
        stopped.append(
            Stopped(
                stack,
                step,
                log,
                ended.get(proc, time.monotonic() - started),
                proc.returncode,
                killed=killed,
                acknowledged=INTERRUPT_ACK in text,
                save_failed=any(s in text for s in SAVE_FAILED),
            )
        )
    return stopped


class Interrupted(Exception):
    """Ctrl-C stopped a run: what it did to each running Terraform step, and the results that had finished."""

    def __init__(self, stopped: list[Stopped], results: list[Any]) -> None:
        super().__init__("interrupted")
        self.stopped, self.results = stopped, results


def run_parallel(work: Callable[[T], R], items: list[T], workers: int) -> list[R]:
    """`work` over `items`, `workers` at a time. On Ctrl-C: interrupt_all() at once, wait (bounded) for
    the workers to return, and raise Interrupted with the results of the items that finished."""
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    futures: list[Future[R]] = []
    try:
        for item in items:
            futures.append(pool.submit(work, item))
        return [f.result() for f in futures]
    except KeyboardInterrupt:
        stopped = interrupt_all()
        wait(futures, timeout=GRACE_SECONDS)
        raise Interrupted(stopped, [f.result() for f in futures if f.done() and f.exception() is None]) from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def clear_interrupt() -> None:
    """Allow Terraform steps again (a new command in the same process, e.g. a test)."""
    with _LIVE_LOCK:
        _INTERRUPTED.clear()
        _SIGNALLED.clear()
