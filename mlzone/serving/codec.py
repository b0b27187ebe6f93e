"""Request bodies in, answers out, as MLflow's scoring server reads and writes them.

JSON: `{"dataframe_split": {...}}`, `{"dataframe_records": [...]}`, `{"inputs": ...}` or
`{"instances": ...}`, or a bare list of records. CSV: a header row, then rows. The answer is JSON
`{"predictions": [...]}`.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pandas as pd

from mlzone.serving.errors import ModelError

JSON = "application/json"
CSV = "text/csv"


def media_type(content_type: str | None) -> str:
    """`application/json; charset=utf-8` → `application/json` (no header: JSON, as MLflow assumes)."""
    return (content_type or JSON).split(";", 1)[0].strip().lower()


def decode(body: bytes, content_type: str | None) -> Any:
    """The model input a body holds; ModelError (original status 400) when it holds none."""
    kind = media_type(content_type)
    if kind == CSV:
        try:
            return pd.read_csv(io.BytesIO(body))
        except (ValueError, pd.errors.ParserError) as e:
            raise ModelError(f"the CSV body cannot be read: {e}", 400) from None
    if kind != JSON:
        raise ModelError(f"content type {kind!r} is not served; send {JSON} or {CSV}", 415)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise ModelError(f"the body is not JSON: {e}", 400) from None
    return from_json(payload)


def from_json(payload: Any) -> Any:
    """A parsed JSON body as a model input (pandas for data frames, numpy for tensors)."""
    if isinstance(payload, list):
        return pd.DataFrame(payload) if all(isinstance(row, dict) for row in payload) else np.asarray(payload)
    if not isinstance(payload, dict):
        raise ModelError("the JSON body must be an object or a list", 400)
    keys = {"dataframe_split", "dataframe_records", "inputs", "instances"} & payload.keys()
    if len(keys) != 1:
        raise ModelError(
            "the JSON body needs exactly one of dataframe_split, dataframe_records, inputs, "
            f"instances; it has {sorted(payload)}",
            400,
        )
    key = keys.pop()
    value = payload[key]
    try:
        if key == "dataframe_split":
            return pd.DataFrame(value["data"], columns=value.get("columns"), index=value.get("index"))
        if key == "dataframe_records" or (isinstance(value, list) and value and isinstance(value[0], dict)):
            return pd.DataFrame(value)
        if isinstance(value, dict):
            return pd.DataFrame(value)
        return np.asarray(value)
    except (TypeError, ValueError, KeyError) as e:
        raise ModelError(f"{key} cannot be read as model input: {e}", 400) from None


def encode(prediction: Any) -> tuple[bytes, str]:
    """A prediction as the JSON answer body and its content type."""
    if isinstance(prediction, pd.DataFrame):
        values: Any = prediction.to_dict(orient="records")
    elif isinstance(prediction, (pd.Series, np.ndarray)):
        values = prediction.tolist()
    else:
        values = prediction
    return json.dumps({"predictions": values}, default=_plain).encode(), JSON


def _plain(value: Any) -> Any:
    """numpy scalars in a prediction as plain JSON numbers."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON")
