"""mlzone.tracking (the real local MLflow server's lifecycle beside the emulator) and mlzone.environment."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest

from mlzone import tracking
from mlzone.emulator import Emulator, stop_kept
from mlzone.environment import EnvError, ProjectEnvironment, from_outputs

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]
ARN = "arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/acme-ml-mlflow"
PLATFORM = {
    "tracking_server_arn": ARN,
    "mlflow_bucket": "acme-ml-mlflow-eu-west-1",
    "data_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/platform-key",
}
PROJECT = {
    "data_prefix": "s3://acme-ml-fraud-detection--data-eu-west-1/fraud-detection/",
    "data_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/project-key",
}


def zone(root: Path, tracking_enabled: bool = True) -> Path:
    """A zone folder holding the example's platform.yaml (experiment tracking on or off); returns .mlzone/."""
    text = (REPO / "platform.yaml").read_text()
    if not tracking_enabled:
        text = text.replace("experiment_tracking: {enabled: true", "experiment_tracking: {enabled: false")
    (root / "platform.yaml").write_text(text)
    return root / ".mlzone"


def group_gone(pgid: int, within: float = 10) -> bool:
    """True once no process of the process group `pgid` (the server and its workers) is left."""
    deadline = time.monotonic() + within
    while subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True).returncode == 0:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_no_server_without_a_platform_or_with_tracking_disabled(tmp_path: Path) -> None:
    assert tracking.for_zone(tmp_path / ".mlzone", 5000) is None
    assert tracking.for_zone(zone(tmp_path, tracking_enabled=False), 5000) is None
    server = tracking.for_zone(zone(tmp_path), 5000)
    assert (server.artifacts, server.region) == ("s3://acme-ml-mlflow-eu-west-1/", "eu-west-1")
    assert server.url == f"http://127.0.0.1:5000{server.prefix}" and len(server.prefix) == 17, "a random route prefix"
    assert tracking.for_zone(zone(tmp_path), 5000).prefix != server.prefix


class HealthOnly(BaseHTTPRequestHandler):
    """Another MLflow server, say: 200 on /health, 404 elsewhere."""

    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_server_already_on_the_chosen_port_is_not_taken_for_the_started_mlflow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a port picked free and taken by another server before MLflow binds it: that server answers /health, not
    # this start's prefixed /health, so the start fails (MLflow could not bind) instead of using it
    foreign = ThreadingHTTPServer(("127.0.0.1", 0), HealthOnly)
    threading.Thread(target=foreign.serve_forever, daemon=True).start()
    try:
        monkeypatch.setattr(tracking, "START_TIMEOUT", 30)
        server = tracking.for_zone(zone(tmp_path), foreign.server_address[1])
        with pytest.raises(RuntimeError, match="the local MLflow server did not start"):
            server.start("http://127.0.0.1:1")
        assert tracking.healthy(f"http://127.0.0.1:{foreign.server_address[1]}"), "the foreign server is left alone"
    finally:
        foreign.shutdown()


def test_mlflow_server_starts_after_the_emulator_answers_as_the_tracking_server_and_stops_with_it(
    tmp_path: Path,
) -> None:
    work = zone(tmp_path)
    with Emulator(work) as emu:
        server = emu.mlflow
        assert tracking.healthy(server.url)
        pid = server.proc.pid
        sagemaker = boto3.client(
            "sagemaker",
            endpoint_url=emu.url,
            region_name="eu-west-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        sagemaker.create_mlflow_tracking_server(
            TrackingServerName="acme-ml-mlflow",
            RoleArn="arn:aws:iam::1:role/r",
            ArtifactStoreUri="s3://acme-ml-mlflow-eu-west-1/",
        )
        described = sagemaker.describe_mlflow_tracking_server(TrackingServerName="acme-ml-mlflow")
        assert described["TrackingServerUrl"] == server.url
        with open(work / "mlflow" / "mlflow.db", "rb") as db:
            assert db.read(16) == b"SQLite format 3\x00", "the backend store is the zone's sqlite file"
        assert not (work / tracking.RECORD).exists(), "only a kept server is recorded"
    assert not tracking.healthy(server.url)
    assert group_gone(pid), "no orphan: the server and its workers are gone"


def test_a_kept_server_is_recorded_reused_and_stopped_with_the_kept_emulator(tmp_path: Path) -> None:
    work = zone(tmp_path)
    kept = Emulator(work, keep=True).start()
    try:
        record = json.loads((work / tracking.RECORD).read_text())
        assert record == {"pid": kept.mlflow.proc.pid, "url": kept.mlflow.url}
        assert tracking.kept_url(work) == kept.mlflow.url
        again = Emulator(work).start()
        assert again.reused
        again.stop()
        assert tracking.healthy(kept.mlflow.url), "a command reusing the kept emulator leaves MLflow running"
    finally:
        assert stop_kept(work)
    kept.mlflow.proc.wait(15)
    assert group_gone(record["pid"])
    assert not (work / tracking.RECORD).exists()


def test_environment_uses_the_platform_tracking_server_and_the_project_prefixes() -> None:
    env = from_outputs("fraud-detection", "eu-west-1", PLATFORM, PROJECT)
    assert env.variables() == {
        "MLZONE_PROJECT": "fraud-detection",
        "MLFLOW_TRACKING_URI": ARN,  # on AWS: the sagemaker-mlflow plugin's ARN URI
        "MLZONE_DATA_URI": "s3://acme-ml-fraud-detection--data-eu-west-1/fraud-detection/",
        "MLZONE_ARTIFACT_URI": "s3://acme-ml-mlflow-eu-west-1/fraud-detection/",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }


def test_a_project_tracking_server_wins_over_the_platform_one_and_local_adds_the_emulator() -> None:
    own = ARN.replace("acme-ml-mlflow", "fraud-detection--mlflow")
    env = from_outputs(
        "fraud-detection",
        "eu-west-1",
        PLATFORM,
        {**PROJECT, "tracking_server_arn": own},
        emulator_url="http://127.0.0.1:4566",
        tracking_url=lambda arn: f"http://mlflow/{arn}",
    )
    found = env.variables()
    assert found["MLFLOW_TRACKING_URI"] == f"http://mlflow/{own}"
    assert {k: found[k] for k in ("AWS_ENDPOINT_URL", "MLFLOW_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID")} == {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
        "MLFLOW_S3_ENDPOINT_URL": "http://127.0.0.1:4566",
        "AWS_ACCESS_KEY_ID": "test",
    }


def test_exports_are_shell_quoted_and_name_no_key() -> None:
    env = ProjectEnvironment(
        project="p",
        region="eu-west-1",
        tracking_uri="http://x/?a=1&b=2",
        data_uri="s3://b/p/",
        artifact_uri="s3://m/p/",
        emulator_url="http://127.0.0.1:1",
    )
    text = env.exports()
    assert "kms" not in text and "key/" not in text
    shell = subprocess.run(
        ["bash", "-c", f'eval {shlex.quote(text)}; echo "$MLFLOW_TRACKING_URI"'],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        check=True,
    )
    assert shell.stdout.strip() == "http://x/?a=1&b=2"


@pytest.mark.parametrize(
    ("platform", "project", "message"),
    [
        (PLATFORM, {}, "project 'fraud-detection' is not deployed"),
        ({}, PROJECT, "the platform has no experiment tracking"),
    ],
)
def test_environment_names_what_is_missing(platform: dict, project: dict, message: str) -> None:
    with pytest.raises(EnvError, match=message) as raised:
        from_outputs("fraud-detection", "eu-west-1", platform, project)
    assert "fix:" in str(raised.value) and raised.value.code == 1


@pytest.mark.parametrize("name", ["nope", "platform"])
def test_mlzone_env_refuses_an_unknown_project_with_exit_2_before_any_aws_call(tmp_path: Path, name: str) -> None:
    from typer.testing import CliRunner

    from mlzone.cli import app

    stack = tmp_path / "cdktf.out" / "stacks" / "fraud-detection"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text("{}")
    result = CliRunner().invoke(app, ["env", name, "--root", str(tmp_path), "--target", "aws"])
    assert result.exit_code == 2, result.output
    assert f"unknown project {name!r}; projects: fraud-detection" in result.output
    assert "Traceback" not in result.output
