"""The local target's experiment tracking: a real MLflow tracking server beside the emulator.

On AWS each tracking server is SageMaker's managed MLflow. Locally, mlzone starts one real
`mlflow server` on 127.0.0.1 when it starts the emulator of a zone whose platform.yaml enables
experiment tracking, and stops it with the emulator:

- backend store: `sqlite:///<zone>/.mlzone/mlflow/mlflow.db` (dropped with a fresh emulator, whose
  S3 held the artifacts the runs point to);
- artifacts: the platform's MLflow bucket on the emulator (`--artifacts-destination s3://<bucket>/`,
  `MLFLOW_S3_ENDPOINT_URL` = the emulator, test credentials);
- every route is under a random path (`--static-prefix`), so its URL is `http://127.0.0.1:<port>/<prefix>`
  and only this server answers `/health` there: a server that took the freed port first is never used;
- its URL is passed to the emulator process (`TRACKING_URL_ENV`), so `DescribeMlflowTrackingServer`
  answers it as `TrackingServerUrl` for every tracking server Terraform creates there.

`.mlzone/mlflow.json` records pid and url of a kept server, as `.mlzone/emulator.json` does the
emulator's. This module starts a process and never imports mlflow itself.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mlzone import process
from stacks.spec import SpecError, load_platform

HOST = "127.0.0.1"
TRACKING_URL_ENV = "MLZONE_TRACKING_URL"  # read by the emulator's DescribeMlflowTrackingServer handler
RECORD = "mlflow.json"  # in the work folder: the kept server's pid and url
STORE_DIR = "mlflow"  # .mlzone/mlflow/: the backend store
START_TIMEOUT = 120  # seconds until MLflow must answer (it migrates a fresh database first)
TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}  # what the emulator accepts


def healthy(url: str, timeout: float = 2.0) -> bool:
    """True when an MLflow server answers `/health` at `url` (its routes' prefix included)."""
    return process.answers(f"{url}/health", timeout)


def emulator_env(url: str, region: str) -> dict[str, str]:
    """What a client of the emulator's S3 needs (the MLflow server and the scripts `mlzone env` serves)."""
    return {"AWS_ENDPOINT_URL": url, "MLFLOW_S3_ENDPOINT_URL": url, "AWS_DEFAULT_REGION": region, **TEST_CREDENTIALS}


@dataclass
class MlflowServer:
    """The MLflow server of one work folder (`.mlzone/`), on a port chosen before the emulator starts."""

    work: Path
    port: int
    artifacts: str  # s3://<mlflow bucket>/
    region: str
    keep: bool = False
    prefix: str = field(default_factory=lambda: "/" + secrets.token_hex(8))  # of every route: ours alone answer
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}{self.prefix}"

    @property
    def record(self) -> Path:
        return self.work / RECORD

    def start(self, emulator_url: str, fresh: bool = True) -> MlflowServer:
        """Start the server against the emulator at `emulator_url` and wait until it answers.
        `fresh`: the emulator is new, so the backend store of an older one is dropped first."""
        store = self.work / STORE_DIR
        if fresh:
            shutil.rmtree(store, ignore_errors=True)
        store.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            **emulator_env(emulator_url, self.region),
            "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
        }  # no background job workers (huey): nothing uses them
        command = [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            "1",
            "--static-prefix",
            self.prefix,
            "--backend-store-uri",
            f"sqlite:///{store / 'mlflow.db'}",
            "--artifacts-destination",
            self.artifacts,
        ]
        self.proc = process.start(
            command,
            self.work,
            env,
            self.work / "logs" / "mlflow.log",
            lambda: healthy(self.url, timeout=1),  # ours, not whatever took the port first
            START_TIMEOUT,
            "the local MLflow server",
        )
        if self.keep:
            self.record.write_text(json.dumps({"pid": self.proc.pid, "url": self.url}))
        return self

    def stop(self, force: bool = False) -> None:
        """Stop the server this object started (a kept one only with force), its workers with it."""
        if self.proc is None or (self.keep and not force):
            return
        process.stop(self.proc, grace=15)  # its workers with it
        self.record.unlink(missing_ok=True)
        self.proc = None


def for_zone(work: Path, port: int, keep: bool = False) -> MlflowServer | None:
    """The MLflow server for the zone whose work folder is `work` (the zone is its parent), or None when
    the zone has no valid platform.yaml (synth reports why) or disables experiment tracking."""
    spec = work.parent / "platform.yaml"
    try:
        platform = load_platform(spec) if spec.is_file() else None
    except SpecError:
        return None
    if platform is None or not platform.experiment_tracking.enabled:
        return None
    return MlflowServer(
        work=work, port=port, artifacts=f"s3://{platform.bucket_name('mlflow')}/", region=platform.region, keep=keep
    )


def kept_url(work: Path) -> str | None:
    """The URL of a server kept by an earlier command in `work`, if it still answers."""
    record = work / RECORD
    if not record.is_file():
        return None
    url = json.loads(record.read_text())["url"]
    return url if healthy(url, timeout=10) else None


def stop_kept(work: Path) -> bool:
    """Stop a server kept by an earlier command; True if one was running."""
    record = work / RECORD
    if not record.is_file():
        return False
    pid = json.loads(record.read_text())["pid"]
    record.unlink()
    return process.kill_group(pid)
