"""Train the fraud-detection example model and record the run on the project's tracking server.

    eval "$(mlzone env fraud-detection)"
    python examples/fraud-detection/train.py

It reads only the environment `mlzone env` prints. The data set is generated here and written first to
the project's data prefix (`MLZONE_DATA_URI`); the run then records a *pointer* to it (S3 URI and
version id in the tag `mlzone.data`), never a copy. It logs params, metrics, the training code's git
commit (`mlflow.source.git.commit`) and an MLflow pyfunc model with a signature, and prints the run id.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import boto3
import mlflow
import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split

FEATURES = ["amount", "hour", "merchant_risk", "card_age_days", "foreign"]
WEIGHTS = np.array([0.004, -0.05, 3.0, -0.01, 1.5])  # the true model the labels are drawn from


def make_data(rows: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """A synthetic card-transaction table: features and a fraud label drawn from a logistic model."""
    rng = np.random.default_rng(seed)
    x = np.column_stack(
        [
            rng.gamma(2.0, 60.0, rows),  # amount
            rng.integers(0, 24, rows),  # hour
            rng.beta(2, 5, rows),  # merchant_risk
            rng.integers(1, 3650, rows),  # card_age_days
            rng.integers(0, 2, rows),  # foreign
        ]
    ).astype(float)
    y = (rng.random(rows) < 1 / (1 + np.exp(-(x @ WEIGHTS - 1.0)))).astype(int)
    return pd.DataFrame(x, columns=FEATURES), y


def write_data(data_uri: str, name: str, x: pd.DataFrame, y: np.ndarray) -> dict[str, str]:
    """Write the table as CSV under the project's data prefix; return its pointer (URI and version id)."""
    body = io.BytesIO()
    x.assign(fraud=y).to_csv(body, index=False)
    where = urlparse(data_uri)
    key = f"{where.path.strip('/')}/datasets/{name}.csv"
    reply = boto3.client("s3").put_object(Bucket=where.netloc, Key=key, Body=body.getvalue())
    if not reply.get("VersionId"):
        sys.exit(
            f"error: s3://{where.netloc}/{key} has no version id (is the data bucket versioned?); "
            "the run could not pin its data"
        )
    return {"uri": f"s3://{where.netloc}/{key}", "version_id": reply["VersionId"]}


def git_commit() -> dict[str, str]:
    """Tags naming the training code's commit (and whether the tree had uncommitted changes)."""
    here = Path(__file__).resolve().parent

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=here, capture_output=True, text=True, check=True).stdout.strip()

    try:
        commit, dirty = git("rev-parse", "HEAD"), bool(git("status", "--porcelain", "--", "."))
    except (OSError, subprocess.CalledProcessError):
        return {}  # not a git checkout: the run says nothing about code it cannot name
    return {"mlflow.source.git.commit": commit, "mlzone.source.git.dirty": str(dirty).lower()}


def experiment(project: str, name: str, artifact_uri: str) -> str:
    """The id of the experiment `<project>/<name>`; a new one keeps its artifacts under the project's prefix."""
    found = mlflow.get_experiment_by_name(f"{project}/{name}")
    if found is not None:
        return found.experiment_id
    return mlflow.create_experiment(f"{project}/{name}", artifact_location=f"{artifact_uri.rstrip('/')}/{name}")


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiment", default="fraud-scorer")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularization strength")
    args = parser.parse_args(argv)
    env = os.environ
    project = env["MLZONE_PROJECT"]

    x, y = make_data(args.rows, args.seed)
    pointer = write_data(env["MLZONE_DATA_URI"], f"transactions-{args.rows}-{args.seed}", x, y)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=args.seed, stratify=y)
    model = LogisticRegression(C=args.C, max_iter=2000).fit(x_train, y_train)
    scores = model.predict_proba(x_test)[:, 1]

    experiment_id = experiment(project, args.experiment, env["MLZONE_ARTIFACT_URI"])
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.set_tags({"mlzone.project": project, "mlzone.data": json.dumps([pointer]), **git_commit()})
        mlflow.log_params({"C": args.C, "rows": args.rows, "seed": args.seed, "features": ",".join(FEATURES)})
        mlflow.log_metrics(
            {"auc": roc_auc_score(y_test, scores), "accuracy": accuracy_score(y_test, model.predict(x_test))}
        )
        mlflow.sklearn.log_model(
            model,
            name="model",
            pyfunc_predict_fn="predict_proba",
            signature=infer_signature(x_test, model.predict_proba(x_test)),
            input_example=x_test.head(3),
        )
    print(run.info.run_id)
    return run.info.run_id


if __name__ == "__main__":
    main()
