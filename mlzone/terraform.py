"""Run the Terraform CLI for one synthesized stack: init (mirror or registry), plan, show, apply.

The project writes its own CLI config (`.mlzone/terraformrc`): with a provider mirror
(`MLZONE_PROVIDER_MIRROR`, or one auto-detected in the usual plugin folders) Terraform installs
hashicorp/aws from it and never calls the registry; without one it uses the public registry.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
AWS_PROVIDER_VERSION = "5.100.0"  # what cdktf-cdktf-provider-aws 20.1.0 pins in required_providers
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)


T = TypeVar("T")
R = TypeVar("R")


class TerraformError(RuntimeError):
    """A Terraform step failed; the message names the stack, the step and Terraform's error."""


def find_terraform() -> str:
    """`MLZONE_TERRAFORM` or `terraform` on PATH."""
    found = os.environ.get("MLZONE_TERRAFORM") or shutil.which("terraform")
    if not found or not Path(found).is_file():
        raise TerraformError(
            "terraform not found; fix: install Terraform >= 1.10 on PATH or set MLZONE_TERRAFORM=/path/to/terraform"
        )
    return found


def find_mirror() -> Path | None:
    """A provider mirror holding hashicorp/aws 5.100.0: `MLZONE_PROVIDER_MIRROR`, else the usual folders."""
    explicit = os.environ.get("MLZONE_PROVIDER_MIRROR")
    candidates = [explicit] if explicit else list(MIRROR_CANDIDATES)
    for candidate in candidates:
        path = Path(candidate).expanduser()
        if (path / AWS_PROVIDER / AWS_PROVIDER_VERSION).is_dir():
            return path.resolve()
    if explicit:
        raise TerraformError(
            f"MLZONE_PROVIDER_MIRROR={explicit} holds no {AWS_PROVIDER}/{AWS_PROVIDER_VERSION}; "
            "fix: point it at a folder laid out like `terraform providers mirror` writes"
        )
    return None


def write_cli_config(work: Path, mirror: Path | None) -> Path:
    """Write `<work>/terraformrc` (mirror for hashicorp/aws, registry for the rest) and a plugin cache."""
    work.mkdir(parents=True, exist_ok=True)
    cache = work / "plugin-cache"
    cache.mkdir(exist_ok=True)
    if mirror is None:
        body = ""
    else:
        body = (
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = ["{AWS_PROVIDER}"]\n  }}\n'
            f'  direct {{\n    exclude = ["{AWS_PROVIDER}"]\n  }}\n'
            "}\n"
        )
    config = work / "terraformrc"
    config.write_text(f'plugin_cache_dir = "{cache.resolve()}"\n' + body)
    return config


# Every live Terraform child with its (stack, step, log), so Ctrl-C (or a timeout) can stop them all.
_LIVE: dict[subprocess.Popen[bytes], tuple[str, str, Path]] = {}
_LIVE_LOCK = threading.Lock()
_INTERRUPTED = threading.Event()  # set by interrupt_all(): no new Terraform step starts
_SIGNALLED: set[subprocess.Popen[bytes]] = set()  # children interrupt_all() interrupted
GRACE_SECONDS = 20  # after SIGINT Terraform saves state and releases its lock; then SIGKILL
SAVE_FAILED = ("Failed to save state", "Failed to persist state")  # Terraform's words when it could not


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


WRITES_STATE = ("apply", "state-rm")  # steps whose interruption leaves a partial change in the state
INTERRUPT_ACK = "Interrupt received"  # Terraform's first words on SIGINT, before it shuts down gracefully


class TerraformInterrupted(TerraformError):
    """A step was stopped by Ctrl-C, or not started because Ctrl-C came first."""


def _signal(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def _stop(proc: subprocess.Popen[bytes]) -> None:
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


def terraform_errors(log: str) -> str:
    """The `Error: ...` blocks of a Terraform log (the whole tail when there are none)."""
    blocks = re.findall(r"^(?:│ )?Error: .*?(?=\n(?:│ )?\n|\n╵|\Z)", log, flags=re.M | re.S)
    text = "\n\n".join(b.replace("│ ", "") for b in blocks) if blocks else "\n".join(log.splitlines()[-20:])
    return text.strip()


@dataclass(frozen=True, kw_only=True)
class Terraform:
    """Terraform in one stack folder (`cdktf.out/stacks/<stack>`); logs in `<log_dir>/<stack>/<step>.log`."""

    stack_dir: Path  # where cdk.tf.json is
    cli_config: Path  # from write_cli_config
    env: tuple[tuple[str, str], ...] = ()  # extra variables, e.g. TF_VAR_emulator_url
    timeout: int = 1800  # seconds per step; nothing hangs forever
    log_dir: Path | None = None  # default: `logs/` next to the CLI config (.mlzone/logs)

    @property
    def stack(self) -> str:
        return self.stack_dir.name

    def log_path(self, step: str) -> Path:
        """Where `step`'s output goes, e.g. `.mlzone/logs/platform/apply.log`."""
        return (self.log_dir or self.cli_config.parent / "logs") / self.stack / f"{step}.log"

    def run(self, step: str, *args: str, log_as: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run `terraform <step> <args>` (stdout returned, everything logged); raise TerraformError on failure."""
        env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(self.cli_config.resolve()),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            **dict(self.env),
        }
        cmd = [find_terraform(), step, *args]
        log = self.log_path(log_as or step)
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as sink:
            # Own session: Ctrl-C reaches only mlzone, whose handler stops Terraform (interrupt_all).
            with _LIVE_LOCK:
                if _INTERRUPTED.is_set():
                    raise TerraformInterrupted(f"stack {self.stack}, step {log_as or step}: not started (interrupted)")
                proc = subprocess.Popen(
                    cmd, cwd=self.stack_dir, env=env, stdout=subprocess.PIPE, stderr=sink, start_new_session=True
                )
                _LIVE[proc] = (self.stack, log_as or step, log)
            try:
                stdout = self._stream(proc, sink, keep=step in ("show", "output", "state"))
            except BaseException:  # timeout, anything: never leave Terraform running
                _stop(proc)
                raise
            finally:
                with _LIVE_LOCK:
                    _LIVE.pop(proc, None)
                    interrupted = proc in _SIGNALLED
        if interrupted and proc.returncode != 0:
            raise TerraformInterrupted(f"stack {self.stack}, step {log_as or step}: interrupted (log: {log})")
        if proc.returncode != 0:
            raise TerraformError(
                f"stack {self.stack}, step {log_as or step}: terraform {step} failed (log: {log})\n"
                + terraform_errors(log.read_text(errors="replace"))
            )
        return subprocess.CompletedProcess(cmd, proc.returncode, stdout.decode(), "")

    def _stream(self, proc: subprocess.Popen[bytes], sink: Any, keep: bool) -> bytes:
        """Copy stdout to the log as it comes (kept in memory only for machine-readable steps)."""
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            _stop(proc)

        timer = threading.Timer(self.timeout, expire)
        timer.start()
        kept = bytearray()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if keep:
                    kept += line
                else:
                    sink.write(line)
                    sink.flush()
            proc.wait()
        finally:
            timer.cancel()
        if timed_out.is_set():
            raise TerraformError(f"stack {self.stack}: terraform step timed out after {self.timeout}s (stopped)")
        return bytes(kept)

    def init(self) -> None:
        self.run("init", "-input=false", "-no-color")

    def plan(self, plan_file: Path | None = None, refresh: bool = True, destroy: bool = False) -> Path:
        """Save a plan (default `tfplan` next to cdk.tf.json) and its JSON as `plan.json` beside it.

        `refresh=False` plans offline: no refresh and, on the local target, no account lookup
        (`TF_VAR_offline`), so it needs neither AWS nor the emulator. Such a plan is for review only."""
        plan_file = plan_file or self.stack_dir / "tfplan"
        flags = [*(() if refresh else ("-refresh=false",)), *(("-destroy",) if destroy else ())]
        runner = self if refresh else replace(self, env=(*self.env, ("TF_VAR_offline", "true")))
        runner.run("plan", "-input=false", "-no-color", f"-out={plan_file}", *flags)
        path = plan_file.with_name("plan.json")
        path.write_text(self.run("show", "-json", "-no-color", str(plan_file)).stdout)
        return path

    def apply(self, plan_file: str | Path) -> None:
        """Apply exactly a saved plan (Terraform refuses it when the state changed since)."""
        self.run("apply", "-input=false", "-no-color", "-auto-approve", str(plan_file))

    def outputs(self) -> dict[str, Any]:
        """`terraform output -json` as {name: value}."""
        shown = self.run("output", "-json", "-no-color")
        return {k: v.get("value") for k, v in json.loads(shown.stdout or "{}").items()}
