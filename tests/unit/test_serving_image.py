"""The serving image's entry script answers SageMaker's contract (/ping, /invocations) for an MLflow model,
run here with this venv's MLflow in place of the image's (no image build on this machine)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import mlflow
import pandas as pd
from sklearn.linear_model import LogisticRegression

from mlzone.process import free_port

REPO = Path(__file__).resolve().parents[2]
SERVING = REPO / "serving"


def test_the_image_pins_the_mlflow_the_zone_uses() -> None:
    pinned = re.search(r'"mlflow==([0-9.]+)"', (REPO / "pyproject.toml").read_text()).group(1)
    assert f"mlflow=={pinned}" in (SERVING / "requirements.txt").read_text().split()
    assert "pip install -r /opt/mlzone/requirements.txt" in (SERVING / "Dockerfile").read_text()


def test_ping_and_invocations_answer_for_an_mlflow_model(tmp_path) -> None:
    x = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    mlflow.sklearn.save_model(LogisticRegression().fit(x, [0, 0, 1, 1]), tmp_path / "model")
    port = free_port()
    env = {
        **os.environ,
        "MODEL_DIR": str(tmp_path / "model"),
        "PORT": str(port),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    proc = subprocess.Popen(
        ["sh", str(SERVING / "serve.sh"), "serve"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as reply:
                    assert reply.status == 200
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the scoring server did not start"
                time.sleep(0.5)
        body = json.dumps({"dataframe_split": x.to_dict(orient="split") | {"index": None}}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invocations", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as reply:
            assert json.loads(reply.read())["predictions"] == [0, 0, 1, 1]
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(15)


def test_a_container_without_a_model_refuses_to_start(tmp_path) -> None:
    done = subprocess.run(
        ["sh", str(SERVING / "serve.sh"), "serve"],
        env={**os.environ, "MODEL_DIR": str(tmp_path), "PORT": "1"},
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert done.returncode == 1 and "no MLflow model" in done.stderr
