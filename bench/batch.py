"""Batch benchmark, one run, no thresholds:

- the platform's scoring job's Spark scoring (`score.py`'s `score`: the MLflow model as a Spark UDF,
  records in the unified schema, written as Parquet partitioned by date/hour) on local Spark
  (local[2]) over N generated rows, without and with subject keys, against the same model's pandas
  `predict` on the same rows in this process (rows/s and the ratio);
- `erase` of one subject in a log of N_BIG capture records against N_SMALL (bench/log.py's log and
  measure: the subject index bounds the search to the subject's objects).

Usage: python bench/batch.py [--rows 1000000] [--big 1000000] [--small 10000]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlzone.jobs import shipped  # noqa: E402

ARN = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud--scorer/1"


def model(into: Path) -> Path:
    """A small sklearn MLflow model on two features, saved with its signature."""
    import mlflow.sklearn
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    x = pd.DataFrame({"amount": rng.uniform(0, 500, 200), "risk": rng.uniform(0, 1, 200)})
    fitted = LogisticRegression().fit(x, (x.risk > 0.5).astype(int))
    mlflow.sklearn.save_model(fitted, into / "model", signature=infer_signature(x, fitted.predict(x)))
    return into / "model"


def rows(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    return pd.DataFrame(
        {"customer_id": [f"c-{i % 50_000}" for i in range(n)], "amount": rng.uniform(0, 500, n), "risk": rng.random(n)}
    )


def load_job(tmp: Path):
    """score.py as EMR runs it: staged with its modules, which the Spark workers import too."""
    script = shipped.stage(tmp / "job")
    sys.path.insert(0, str(script.parent))
    os.environ["PYTHONPATH"] = os.pathsep.join((str(script.parent), os.environ.get("PYTHONPATH", "")))
    spec = importlib.util.spec_from_file_location("score", script)
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    return job


def spark_rate(job, spark, data: Path, model_dir: Path, out: Path, key: bytes | None) -> float:
    """Rows per second of reading, scoring and writing the records of every row."""
    args = SimpleNamespace(model_package_arn=ARN, job="bench", run_id="bench", subject_field="customer_id")
    df = spark.read.parquet(str(data))
    n = df.count()
    t = time.perf_counter()
    records = job.score(spark, df, model_dir, args, {"ModelPackageVersion": 1}, datetime.now(UTC), key)
    records.write.mode("overwrite").partitionBy("date", "hour").parquet(str(out))
    return n / (time.perf_counter() - t)


def scoring(n: int) -> None:
    import mlflow.pyfunc
    from pyspark.sql import SparkSession

    with tempfile.TemporaryDirectory(prefix="mlzone-bench-batch-") as tmp:
        tmp_path = Path(tmp)
        model_dir, frame = model(tmp_path), rows(n)
        frame.to_parquet(tmp_path / "input.parquet", index=False)
        loaded = mlflow.pyfunc.load_model(str(model_dir))
        t = time.perf_counter()
        loaded.predict(frame[["amount", "risk"]])
        pandas = n / (time.perf_counter() - t)
        job = load_job(tmp_path)
        os.environ["PYSPARK_PYTHON"] = sys.executable
        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        try:
            frame.head(1000).to_parquet(tmp_path / "warm.parquet", index=False)  # workers and the UDF start once
            spark_rate(job, spark, tmp_path / "warm.parquet", model_dir, tmp_path / "warm-out", None)
            plain = spark_rate(job, spark, tmp_path / "input.parquet", model_dir, tmp_path / "out", None)
            keyed = spark_rate(job, spark, tmp_path / "input.parquet", model_dir, tmp_path / "out", b"k" * 32)
        finally:
            spark.stop()
    print(f"pandas predict, {n:,} rows, one process:          {pandas:12,.0f} rows/s")
    print(f"local Spark scoring job, {n:,} rows:             {plain:12,.0f} rows/s  ratio {plain / pandas:.3f}x")
    print(f"local Spark scoring job with subject keys:        {keyed:12,.0f} rows/s  ratio {keyed / pandas:.3f}x")


def erasure(big: int, small: int) -> None:
    spec = importlib.util.spec_from_file_location("bench_log", ROOT / "bench" / "log.py")
    log = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(log)
    _, small_erase = log.measure(small, 1)
    _, big_erase = log.measure(big, 1)
    print(f"erase, {small:>9,} records: {small_erase * 1000:8.1f} ms")
    print(
        f"erase, {big:>9,} records: {big_erase * 1000:8.1f} ms  ratio {big_erase / small_erase:.2f}x "
        f"(log {big / small:.0f}x larger)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    args = parser.parse_args()
    scoring(args.rows)
    erasure(args.big, args.small)


if __name__ == "__main__":
    main()
