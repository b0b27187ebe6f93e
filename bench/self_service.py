"""Benchmark self-service on the local emulator; prints measured times and ratios.

1. Request to applied for one cluster (`mlzone request ... cluster`: guardrails, synth + gate 1, plan,
   gate 2, apply of the project's self-service stack only) against a plain `mlzone deploy` of the same
   change (the same cluster written into requests/<project>.yaml: every stack planned, then applied).
2. The portal's project page (server-rendered from the emulator's APIs) with 50 resources of the
   project (25 notebooks, 25 clusters): latency p50/p99 over a bounded number of requests to 127.0.0.1.

Usage: python bench/self_service.py [--requests N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.deploy import mlzone  # noqa: E402
from mlzone.clients import clients  # noqa: E402
from mlzone.commands.portal import free_port  # noqa: E402
from mlzone.emulator import Emulator  # noqa: E402
from mlzone.portal.app import Zone, create_app  # noqa: E402

PROJECT = "lab"
REGION = "eu-west-1"
SPEC = {
    "name": PROJECT,
    "team": "data-science",
    "cost_center": "CC-3000",
    "data_classification": "internal",
    "self_service": {
        "spark": {"max_clusters": 3, "sizes": ["small"], "max_idle_minutes": 120},
        "notebooks": {"max": 1, "instance_types": ["ml.t3.medium"]},
        "monthly_budget_usd": 500,
        "members": ["arn:aws:iam::123456789012:user/moto"],
    },
}


def add_cluster_by_hand(root: Path, name: str) -> None:
    """The same change a request makes, written into the requests file, for a plain `mlzone deploy`."""
    file = root / "requests" / f"{PROJECT}.yaml"
    requests = yaml.safe_load(file.read_text())
    requests["clusters"].append({"name": name, "size": "small", "idle_minutes": 60})
    file.write_text(yaml.safe_dump(requests, sort_keys=False))


def seed(client, count: int) -> None:
    """`count` resources of the project straight on the emulator: half notebooks, half clusters."""
    sagemaker, emr = client("sagemaker"), client("emr")
    for i in range(count // 2):
        sagemaker.create_notebook_instance(
            NotebookInstanceName=f"{PROJECT}--bench-{i}",
            InstanceType="ml.t3.medium",
            RoleArn="arn:aws:iam::123456789012:role/mlzone/lab/bench",
        )
    for i in range(count - count // 2):
        emr.run_job_flow(
            Name=f"{PROJECT}--bench-{i}",
            ReleaseLabel="emr-7.2.0",
            JobFlowRole="bench",
            ServiceRole="bench",
            Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        )


def page_latency(client, requests: int) -> list[float]:
    """Seconds per GET of the project page, served by uvicorn on 127.0.0.1 (bounded count, then stopped)."""
    import uvicorn

    token, port = "bench-token", free_port()
    app = create_app(Zone({PROJECT: {"models": []}}, client), token, {})
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/projects/{PROJECT}"
    opener = urllib.request.build_opener()
    opener.addheaders = [("Cookie", f"mlzone_portal={token}")]
    times = []
    try:
        for _ in range(requests):
            started = time.perf_counter()
            with opener.open(url, timeout=30) as reply:
                body = reply.read()
            times.append(time.perf_counter() - started)
        assert body.count(b"bench-") >= 50, "the page does not show the 50 resources"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return times


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="GETs of the project page (default 200)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mlzone-bench-self-service-"))
    shutil.copy(REPO / "platform.yaml", root)
    (root / "projects").mkdir()
    (root / "projects" / f"{PROJECT}.yaml").write_text(yaml.safe_dump(SPEC))
    emulator = Emulator(root / ".mlzone", keep=True).start()
    try:
        first = mlzone(root, "deploy")
        print(f"first mlzone deploy (platform, {PROJECT}, {PROJECT}-self-service): {first:.1f}s")
        request = mlzone(
            root, "request", PROJECT, "cluster", "--size", "small", "--idle-minutes", "60", "--name", "one"
        )
        print(f"mlzone request of one cluster, request to applied: {request:.1f}s")
        add_cluster_by_hand(root, "two")
        deploy = mlzone(root, "deploy")
        print(f"mlzone deploy of the same change (one more cluster in requests/{PROJECT}.yaml): {deploy:.1f}s")
        print(f"RATIO request/deploy = {request / deploy:.2f}")

        client = clients(REGION, json.loads((root / ".mlzone" / "emulator.json").read_text())["url"])
        seed(client, 50)
        times = page_latency(client, args.requests)
        print(
            f"portal project page, 50 resources, {len(times)} GETs: "
            f"p50 {percentile(times, 50) * 1000:.0f} ms, p99 {percentile(times, 99) * 1000:.0f} ms, "
            f"mean {statistics.mean(times) * 1000:.0f} ms"
        )
    finally:
        emulator.stop(force=True)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
