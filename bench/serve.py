"""Serving benchmark, one run, no thresholds, on one local emulator (a moto server process with mlzone's
gap handlers):

- local InvokeEndpoint (boto3 → the emulator → the endpoint's MLflow model, capture at 100%) p50/p99
  over N requests, against calling the same loaded model directly (`pyfunc.predict` on the decoded
  input) in this process; the ratio is the emulator's overhead;
- `trace` of one prediction (mlzone.trace, what `mlzone trace` runs, reading the emulator's S3 over
  HTTP) with BIG capture records in the log against SMALL; a ratio near 1 shows it reads only the
  prediction's hour partition, not the whole log (the log is bench/log.py's).

Usage: python bench/serve.py [--requests 1000] [--small 1000] [--big 100000]
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

from bench.log import empty_log, trace_seconds  # noqa: E402
from mlzone.emulator import Emulator  # noqa: E402
from mlzone.serving import codec  # noqa: E402
from mlzone.serving.model_cache import ModelCache  # noqa: E402
from tests.e2e.test_serving import REGION, ROWS, buckets, endpoint, model_tar  # noqa: E402

BODY = json.dumps({"dataframe_split": {"columns": ["0", "1"], "data": ROWS}}).encode()
TRACE_REPEAT = 5


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


def serving(aws: dict, tmp: Path, n: int) -> None:
    """Print InvokeEndpoint against the loaded model called directly."""
    buckets(aws)
    tar, _ = model_tar(tmp)
    endpoint(aws, tar, "bench", 100)
    runtime = boto3.client("sagemaker-runtime", **aws)
    invoke = timed(
        lambda: runtime.invoke_endpoint(
            EndpointName="fraud-detection--bench", Body=BODY, ContentType="application/json"
        )["Body"].read(),
        n,
    )
    model = ModelCache(tmp / "direct").get("direct", "local", lambda: tar)
    direct = timed(lambda: model.predict(codec.decode(BODY, codec.JSON)), n)
    (ip50, ip99), (dp50, dp99) = percentiles(invoke), percentiles(direct)
    print(f"InvokeEndpoint (local, capture 100%), {n} requests: p50 {ip50:.2f} ms, p99 {ip99:.2f} ms")
    print(f"model.predict directly,               {n} calls:    p50 {dp50:.2f} ms, p99 {dp99:.2f} ms")
    print(f"ratio (emulator overhead): p50 {ip50 / dp50:.1f}x, p99 {ip99 / dp99:.1f}x")


def tracing(aws: dict, small: int, big: int) -> None:
    """Print the trace time with `big` capture records in the log against `small`."""
    s3 = boto3.client("s3", **aws)
    empty_log(s3)
    sagemaker = boto3.client("sagemaker", **aws)
    few = trace_seconds(s3, sagemaker, small, TRACE_REPEAT)
    many = trace_seconds(s3, sagemaker, big, TRACE_REPEAT)
    print(f"trace, {small:>7,} capture records: {few * 1000:7.1f} ms (median of {TRACE_REPEAT})")
    print(
        f"trace, {big:>7,} capture records: {many * 1000:7.1f} ms, ratio {many / few:.2f}x (log {big // small}x larger)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--big", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Emulator(Path(tmp) / ".mlzone") as emu:
        aws = {
            "endpoint_url": emu.url,
            "region_name": REGION,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }
        serving(aws, Path(tmp), args.requests)
        tracing(aws, args.small, args.big)


if __name__ == "__main__":
    main()
