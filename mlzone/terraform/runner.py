"""Terraform in one stack folder: each step logged, bounded by a timeout, never left running."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from mlzone.terraform.children import release, spawn, stop
from mlzone.terraform.config import find_terraform, plugin_cache_lock
from mlzone.terraform.errors import TerraformError, TerraformInterrupted, terraform_errors


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
            proc = spawn(cmd, self.stack_dir, env, sink, self.stack, log_as or step, log)
            try:
                stdout = self._stream(proc, sink, keep=step in ("show", "output", "state"))
            except BaseException:  # timeout, anything: never leave Terraform running
                stop(proc)
                raise
            finally:
                interrupted = release(proc)
        if interrupted and proc.returncode != 0:
            raise TerraformInterrupted(f"stack {self.stack}, step {log_as or step}: interrupted (log: {log})")
        if proc.returncode != 0:
            raise TerraformError(
                f"stack {self.stack}, step {log_as or step}: terraform {step} failed (log: {log})\n"
                + terraform_errors(log.read_text(errors="replace"))
            )
        return subprocess.CompletedProcess(cmd, proc.returncode, stdout.decode(), "")

    def _stream(self, proc: subprocess.Popen[bytes], sink: IO[bytes], keep: bool) -> bytes:
        """Copy stdout to the log as it comes (kept in memory only for machine-readable steps)."""
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            stop(proc)

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
        """`terraform init`, one stack at a time per plugin cache (see plugin_cache_lock)."""
        with plugin_cache_lock(self.cli_config):
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
