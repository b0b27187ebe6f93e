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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
AWS_PROVIDER_VERSION = "5.100.0"  # what cdktf-cdktf-provider-aws 20.1.0 pins in required_providers
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)


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


# Every live Terraform child, so Ctrl-C (or a timeout) can stop them all; see stop_all().
_LIVE: set[subprocess.Popen[bytes]] = set()
_LIVE_LOCK = threading.Lock()
GRACE_SECONDS = 20  # after SIGINT Terraform releases its state lock; then SIGKILL


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Interrupt Terraform like Ctrl-C would (it saves state and unlocks), then kill its process group."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def stop_all() -> None:
    """Stop every running Terraform child (called on Ctrl-C from the main thread)."""
    with _LIVE_LOCK:
        procs = list(_LIVE)
    for proc in procs:
        _stop(proc)


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
            # Own process group: our Ctrl-C handler decides how Terraform stops (SIGINT, grace, SIGKILL).
            proc = subprocess.Popen(cmd, cwd=self.stack_dir, env=env, stdout=subprocess.PIPE, stderr=sink,
                                    start_new_session=True)
            with _LIVE_LOCK:
                _LIVE.add(proc)
            try:
                stdout = self._stream(proc, sink, keep=step in ("show", "output", "state"))
            except BaseException:  # timeout, Ctrl-C, anything: never leave Terraform running
                _stop(proc)
                raise
            finally:
                with _LIVE_LOCK:
                    _LIVE.discard(proc)
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
