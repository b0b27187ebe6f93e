"""Serving benchmark, one run, no thresholds: local InvokeEndpoint (boto3 → the emulator process → the
endpoint's MLflow model, capture at 100%) p50/p99 over N requests, against calling the same loaded
model directly (`pyfunc.predict` on the decoded input) in this process; the ratio is the emulator's overhead.

Usage: python bench/serve.py [--requests 1000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlzone.emulator import Emulator
from mlzone.serving import codec
from mlzone.serving.model_cache import ModelCache
from tests.e2e.test_serving import REGION, ROWS, buckets, endpoint, model_tar

BODY = json.dumps({"dataframe_split": {"columns": ["0", "1"], "data": ROWS}}).encode()


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds."""
    cuts = statistics.quantiles(seconds, n=100)
    return cuts[49] * 1000, cuts[98] * 1000


def timed(call, n: int) -> list[float]:
    call()  # warm-up: the first call loads the model
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    n = parser.parse_args().requests
    with tempfile.TemporaryDirectory() as tmp, Emulator(Path(tmp) / ".mlzone") as emu:
        aws = {
            "endpoint_url": emu.url,
            "region_name": REGION,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }
        buckets(aws)
        tar, _ = model_tar(Path(tmp))
        endpoint(aws, tar, "bench", 100)
        runtime = boto3.client("sagemaker-runtime", **aws)
        invoke = timed(
            lambda: runtime.invoke_endpoint(
                EndpointName="fraud-detection--bench", Body=BODY, ContentType="application/json"
            )["Body"].read(),
            n,
        )
        model = ModelCache(Path(tmp) / "direct").get("direct", "local", lambda: tar)
        direct = timed(lambda: model.predict(codec.decode(BODY, codec.JSON)), n)
    (ip50, ip99), (dp50, dp99) = percentiles(invoke), percentiles(direct)
    print(f"InvokeEndpoint (local, capture 100%), {n} requests: p50 {ip50:.2f} ms, p99 {ip99:.2f} ms")
    print(f"model.predict directly,               {n} calls:    p50 {dp50:.2f} ms, p99 {dp99:.2f} ms")
    print(f"ratio (emulator overhead): p50 {ip50 / dp50:.1f}x, p99 {ip99 / dp99:.1f}x")


if __name__ == "__main__":
    main()
