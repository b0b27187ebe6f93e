"""`mlzone predictions report`: a first look at one model's behaviour in the log.

Counts per source and per version, the output distribution per version, and input drift against the
training data each version was registered with: the population stability index (PSI) per numeric
feature, the training data read through the version's lineage data pointers (S3 URI + version id).
PSI below 0.1 is usually read as stable, 0.1–0.25 as a shift worth a look, above 0.25 as drift.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

EPS = 1e-6


def feature_rows(payload: Any) -> list[dict[str, Any]]:
    """Feature records of a request: an object, a list of objects, MLflow's `dataframe_split` /
    `dataframe_records`, or `inputs`/`instances` holding those."""
    if isinstance(payload, str):
        payload = json.loads(payload)
    if isinstance(payload, list):
        return [r for r in payload if isinstance(r, dict)]
    if not isinstance(payload, dict):
        return []
    if "dataframe_split" in payload:
        split = payload["dataframe_split"]
        return [dict(zip(split["columns"], row, strict=True)) for row in split["data"]]
    for wrapper in ("dataframe_records", "inputs", "instances"):
        if wrapper in payload:
            return feature_rows(payload[wrapper])
    return [payload]


def scores(output: Any) -> list[float]:
    """Numeric predictions of a response (the last column of class-probability rows)."""
    if isinstance(output, str):
        try:
            output = json.loads(output)
        except ValueError:
            return []
    if isinstance(output, dict):
        output = output.get("predictions", list(output.values()))
    if isinstance(output, (int, float)):
        return [float(output)]
    found: list[float] = []
    for item in output if isinstance(output, list) else []:
        if isinstance(item, list) and item:
            found.append(float(item[-1]))
        elif isinstance(item, (int, float)):
            found.append(float(item))
    return found


def psi(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> float:
    """Population stability index of `actual` against `expected`, over `expected`'s quantile bins."""
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)))
    if len(edges) < 2 or not len(actual):
        return 0.0
    edges[0], edges[-1] = -np.inf, np.inf
    e = np.histogram(expected, edges)[0] / len(expected) + EPS
    a = np.histogram(actual, edges)[0] / len(actual) + EPS
    return float(np.sum((a - e) * np.log(a / e)))


@dataclass
class VersionView:
    version: str
    count: int = 0
    scores: list[float] = field(default_factory=list)
    drift: dict[str, float] = field(default_factory=dict)  # feature → PSI; empty: no training data found
    training_data: str = ""  # the pointer the drift was measured against, or why not


@dataclass
class Report:
    project: str
    model: str
    window: str
    by_source: Counter = field(default_factory=Counter)
    versions: dict[str, VersionView] = field(default_factory=dict)


def build(
    project: str, model: str, window: str, rows: list[dict[str, Any]], training: dict[str, tuple[str, Any]]
) -> Report:
    """The report over log rows of one model; `training[version]` = (pointer text, DataFrame or None)."""
    report = Report(project, model, window)
    inputs: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        version = str(row["model_version"])
        report.by_source[(row["source"], version)] += 1
        view = report.versions.setdefault(version, VersionView(version))
        view.count += 1
        view.scores += scores(row["output"])
        inputs.setdefault(version, []).extend(feature_rows(row["input"]))
    for version, view in report.versions.items():
        pointer, frame = training.get(version, ("no lineage data pointer", None))
        view.training_data = pointer
        if frame is None:
            continue
        for column in frame.select_dtypes("number").columns:
            seen = [r[column] for r in inputs.get(version, []) if isinstance(r.get(column), (int, float))]
            if seen:
                view.drift[column] = psi(frame[column].to_numpy(float), np.asarray(seen, float))
    return report
