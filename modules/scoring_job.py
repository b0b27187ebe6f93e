"""The platform scoring job's command line, defined once: the schedule (modules/batch_inference.py) passes
these options and the job (mlzone/jobs/score.py) parses them. Standard library only: it is shipped beside
the job with `--py-files` and imported there as the top-level module `scoring_job`."""

from __future__ import annotations

import argparse
from typing import Literal, get_args

InputFormat = Literal["parquet", "csv", "jsonl"]
FORMATS: tuple[str, ...] = get_args(InputFormat)
BATCH = "batch"  # the key segment under a project, in the prediction log, that holds batch predictions
# (option, required, help): every option the job takes, in the order the schedule passes them.
OPTIONS: tuple[tuple[str, bool, str], ...] = (
    ("--model-package-arn", True, "the approved model package version ARN to score with"),
    ("--input", True, "s3:// prefix of the input objects"),
    ("--input-format", True, "|".join(FORMATS)),
    ("--output", True, "s3:// prefix the predictions go under (the project's batch prefix in the prediction log)"),
    ("--staging", True, "an s3:// prefix Spark writes to before the commit, or a local folder (local runs)"),
    ("--audit-bucket", True, "the platform's audit bucket (the run manifest goes to batch-runs/)"),
    ("--job", True, "the batch job's name (source_name)"),
    ("--run-id", True, "the run's id (run_or_deploy_id)"),
    ("--subject-field", False, "the input column naming the data subject (models[].subject_field)"),
    ("--subject-key-secret", False, "the Secrets Manager secret holding the platform's subject-key HMAC key"),
)
NAMES = tuple(option for option, _, _ in OPTIONS)


def batch_prefix(project: str, job: str = "") -> str:
    """Where the scoring job writes one job's predictions in the prediction log (all jobs' with no `job`)."""
    return f"{project}/{BATCH}/{job}/" if job else f"{project}/{BATCH}/"


def parser() -> argparse.ArgumentParser:
    """The job's argument parser (attribute names: the options with `_` for `-`)."""
    p = argparse.ArgumentParser(description="Score a batch with an approved model package version.")
    for option, required, text in OPTIONS:
        p.add_argument(option, required=required, help=text, choices=FORMATS if option == "--input-format" else None)
    return p


def arguments(values: dict[str, str | None]) -> list[str]:
    """`--option value` pairs in `OPTIONS` order from {option: value}; optional ones left out when None."""
    unknown = sorted(set(values) - set(NAMES))
    missing = [o for o, required, _ in OPTIONS if required and values.get(o) is None]
    if unknown or missing:
        raise ValueError(f"scoring job arguments: unknown {unknown}, missing {missing}")
    return [part for o in NAMES if values.get(o) is not None for part in (o, str(values[o]))]


def result_type(model) -> str | None:
    """`array<double>` for a model answering each row with several numbers (an output tensor of shape (-1, n),
    e.g. class probabilities), which MLflow's inferred type cannot convert; else MLflow infers it."""
    outputs = model.get_output_schema()
    if outputs is not None and outputs.is_tensor_spec() and len(outputs.inputs[0].shape) > 1:
        return "array<double>"
    return None
