"""The emulator process: moto's server with the gap handlers installed, and its lifecycle.

`Emulator` starts `python -m mlzone.emulator serve --port N` on 127.0.0.1 on a free port with
`MOTO_IAM_LOAD_MANAGED_POLICIES=true`, waits until it answers with this start's token (not merely until something
answers on the port), and stops it on exit unless asked to keep it
(then `.mlzone/emulator.json` lets later commands reuse it). A kept emulator is reused or signalled only
once verified as ours (`is_ours`: its command line, and a random token per start that it answers), so a
stale record never touches an unrelated process. Everything it writes stays under the work folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from mlzone import process, tracking
from mlzone.emulator.registry import patch_moto

HOST = "127.0.0.1"
START_TIMEOUT = 60  # seconds until moto must answer
STATE_FILE = "emulator.json"  # in the work folder: the kept emulator's pid, url and token
TOKEN_ENV = "MLZONE_EMULATOR_TOKEN"  # a random token per start, given to the server in its environment
TOKEN_PATH = "/moto-api/mlzone-token"  # where the server answers it


def answering_token(token: str) -> type[Any]:
    """moto's WSGI dispatcher, also answering TOKEN_PATH with this start's token (how a later command
    tells our emulator from whatever else now has its pid or port)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    class WithToken(DomainDispatcherApplication):
        def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if environ.get("PATH_INFO") == TOKEN_PATH:
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [token.encode()]
            return super().__call__(environ, start_response)

    return WithToken


def serve(port: int, host: str = HOST) -> None:
    """Run moto's server (blocking) with the gap handlers installed and the token of `TOKEN_ENV`."""
    from moto import server

    patch_moto()
    # a patch of moto's module: main() builds its app from this name
    server.DomainDispatcherApplication = answering_token(os.environ.get(TOKEN_ENV, ""))  # type: ignore[misc]
    server.main(["--host", host, "--port", str(port)])


@dataclass
class Emulator:
    """A moto server for one work folder (`.mlzone/`). Use as a context manager."""

    work: Path  # the project's work folder; logs and the kept-emulator record go here
    keep: bool = False  # leave it running on exit (later commands reuse it)
    url: str = ""
    reused: bool = False  # True when an emulator kept by an earlier command was found
    proc: subprocess.Popen[bytes] | None = None
    mlflow: tracking.MlflowServer | None = None  # mlzone.tracking hook: the zone's real MLflow server

    @property
    def record(self) -> Path:
        return self.work / STATE_FILE

    def start(self) -> Self:
        """Reuse a kept emulator if one answers, else start a fresh one and wait for it."""
        self.work.mkdir(parents=True, exist_ok=True)
        if url := kept_url(self.work):
            self.url, self.reused = url, True
            return self
        stop_kept(self.work)  # kept but not answering: never leave it orphaned
        port = process.free_port(HOST)
        self.url = f"http://{HOST}:{port}"
        token = secrets.token_hex(16)
        env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "TMPDIR": str(self.work), TOKEN_ENV: token}
        # mlzone.tracking hook (1/3): the MLflow server's URL is fixed before the emulator starts
        self.mlflow = tracking.for_zone(self.work, process.free_port(HOST), keep=self.keep)
        if self.mlflow:
            env[tracking.TRACKING_URL_ENV] = self.mlflow.url
        self.proc = process.start(
            [sys.executable, "-m", "mlzone.emulator", "serve", "--port", str(port)],
            self.work,
            env,
            self.work / "logs" / "emulator.log",
            lambda: answers_token(self.url, token, timeout=1),  # ours, not whatever took the port first
            START_TIMEOUT,
            "the local emulator",
        )
        if self.mlflow:  # mlzone.tracking hook (2/3): started after the emulator, whose S3 holds its artifacts
            try:
                self.mlflow.start(self.url)
            except RuntimeError:
                self.stop(force=True)
                raise
        if self.keep:
            self.record.write_text(json.dumps({"pid": self.proc.pid, "url": self.url, "token": token}))
        return self

    def stop(self, force: bool = False) -> None:
        """Stop the server this object started (a kept one only with force)."""
        if self.proc is None or (self.keep and not force):
            return
        if self.mlflow:  # mlzone.tracking hook (3/3): stopped with the emulator
            self.mlflow.stop(force=True)
        process.stop(self.proc)
        self.record.unlink(missing_ok=True)
        self.proc = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _record(work: Path) -> dict[str, Any] | None:
    """The kept-emulator record of `work` (None when there is none or it is unreadable)."""
    try:
        record = json.loads((work / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def command_line(pid: int) -> list[str]:
    """The arguments a process was started with ([] when it is gone or cannot be read)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        pass
    shown = subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(pid)], capture_output=True, text=True, check=False)
    return shown.stdout.split()


def answers_token(url: str, token: str, timeout: float = 10) -> bool:
    """True when the server at `url` answers TOKEN_PATH with exactly `token`."""
    try:
        with urllib.request.urlopen(f"{url}{TOKEN_PATH}", timeout=timeout) as reply:
            return bool(token) and reply.read().decode() == token
    except (OSError, ValueError):
        return False


def is_ours(record: dict[str, Any]) -> bool:
    """True only for the emulator the record describes: a live `mlzone.emulator serve --port N` process with
    the record's pid, leading its own process group, whose server at the record's url answers its token."""
    pid, url, token = record.get("pid"), str(record.get("url", "")), str(record.get("token", ""))
    port = urllib.parse.urlsplit(url).port if url.startswith("http") else None
    if not isinstance(pid, int) or pid <= 1 or port is None:
        return False
    if command_line(pid)[-5:] != ["-m", "mlzone.emulator", "serve", "--port", str(port)]:
        return False
    try:
        if os.getpgid(pid) != pid:
            return False
    except ProcessLookupError:
        return False
    return answers_token(url, token)


def kept_url(work: Path) -> str | None:
    """The URL of the emulator kept by an earlier command in `work`, if it is verifiably ours and answers."""
    record = _record(work)
    return record["url"] if record is not None and is_ours(record) else None


def stop_kept(work: Path) -> str:
    """Stop the emulator kept by an earlier command (the local zone stays up after `deploy`): "stopped", "none" (no
    record), or "stale" (the record
    names no verifiable emulator of ours: it is removed and nothing is signalled)."""
    tracking.stop_kept(work)  # mlzone.tracking hook: the MLflow server kept with it
    record_file = work / STATE_FILE
    if not record_file.exists():
        return "none"
    record = _record(work)
    record_file.unlink()
    if record is None or not is_ours(record):
        return "stale"
    with contextlib.suppress(ProcessLookupError):
        os.killpg(record["pid"], signal.SIGKILL)  # it keeps nothing worth a graceful shutdown
    return "stopped"
