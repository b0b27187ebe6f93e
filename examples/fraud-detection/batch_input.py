"""Write a night's transactions for the example batch job to score.

    eval "$(mlzone env fraud-detection)"
    python examples/fraud-detection/batch_input.py
    mlzone batch run fraud-detection nightly-scoring

The table has the model's features (the same generator as train.py, another seed) and the customer each
transaction is of (`customer_id`, the model's `subject_field`, which the log keeps only as a keyed hash).
It goes as Parquet to `$MLZONE_DATA_URI/input/transactions.parquet`, where the job's `input_prefix`
(default `input/`) points. Prints the object's URI.
"""

from __future__ import annotations

import argparse
import io
import os
from urllib.parse import urlparse

import boto3
from train import make_data


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    x, _ = make_data(args.rows, args.seed)
    customers = [f"CUST-{i:04d}" for i in range(1, args.rows + 1)]  # the model's subject_field
    body = io.BytesIO()
    x.assign(customer_id=customers).to_parquet(body, index=False)
    where = urlparse(os.environ["MLZONE_DATA_URI"])
    key = f"{where.path.strip('/')}/input/transactions.parquet"
    boto3.client("s3").put_object(Bucket=where.netloc, Key=key, Body=body.getvalue())
    print(f"s3://{where.netloc}/{key}")
    return key


if __name__ == "__main__":
    main()
