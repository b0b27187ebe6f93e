"""SageMaker's data capture: one JSON Lines record per sampled request, in SageMaker's own format, under
`<destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/<mm-ss-mmm>-<uuid>.jsonl`, encrypted with the key the
endpoint configuration names.

    {"captureData": {"endpointInput": {"observedContentType": ..., "mode": "INPUT", "data": ..., "encoding": ...},
                     "endpointOutput": {... "mode": "OUTPUT" ...}},
     "eventMetadata": {"eventId": ..., "inferenceId": ..., "inferenceTime": "2026-12-02T11:59:01Z"},
     "eventVersion": "0"}

Data of a content type the configuration's CaptureContentTypeHeader lists is kept as text (encoding
JSON or CSV); any other is base64 (encoding BASE64), as SageMaker does.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mlzone.serving.codec import media_type
from modules.prediction_record import uuid7

Put = Callable[[str, str, bytes, str | None], None]  # (bucket, key, body, KMS key id or None)


@dataclass(frozen=True)
class CaptureConfig:
    """An endpoint configuration's DataCaptureConfig, as read from its request shape."""

    enabled: bool
    percent: float
    destination: str  # s3://bucket/prefix
    kms_key: str | None
    modes: frozenset[str]  # INPUT, OUTPUT
    json_types: frozenset[str]
    csv_types: frozenset[str]

    @classmethod
    def of(cls, config: dict[str, Any] | None) -> CaptureConfig | None:
        """None when the configuration captures nothing."""
        if not config or not config.get("EnableCapture", True) or not config.get("DestinationS3Uri"):
            return None
        header = config.get("CaptureContentTypeHeader") or {}
        return cls(
            enabled=True,
            percent=float(config.get("InitialSamplingPercentage", 0)),
            destination=config["DestinationS3Uri"].rstrip("/"),
            kms_key=config.get("KmsKeyId") or None,
            modes=frozenset(o["CaptureMode"].upper() for o in config.get("CaptureOptions") or []),
            json_types=frozenset(t.lower() for t in header.get("JsonContentTypes") or []),
            csv_types=frozenset(t.lower() for t in header.get("CsvContentTypes") or []),
        )

    def sampled(self) -> bool:
        """Whether this request is captured (the configured percentage of requests)."""
        return random.uniform(0, 100) < self.percent

    def payload(self, mode: str, body: bytes, content_type: str) -> dict[str, str]:
        """One side of the exchange as SageMaker captures it."""
        kind = media_type(content_type)
        encoding = "JSON" if kind in self.json_types else "CSV" if kind in self.csv_types else "BASE64"
        data = base64.b64encode(body).decode() if encoding == "BASE64" else body.decode("utf-8", "replace")
        return {"observedContentType": content_type, "mode": mode, "data": data, "encoding": encoding}


@dataclass(frozen=True)
class Exchange:
    """One request and its answer."""

    endpoint: str
    variant: str
    request: bytes
    request_type: str
    response: bytes
    response_type: str
    inference_id: str | None
    time: datetime  # UTC


def record(config: CaptureConfig, exchange: Exchange, event_id: str) -> dict[str, Any]:
    """The capture record of one exchange."""
    data = {}
    if "INPUT" in config.modes:
        data["endpointInput"] = config.payload("INPUT", exchange.request, exchange.request_type)
    if "OUTPUT" in config.modes:
        data["endpointOutput"] = config.payload("OUTPUT", exchange.response, exchange.response_type)
    metadata = {"eventId": event_id, "inferenceTime": exchange.time.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if exchange.inference_id:
        metadata["inferenceId"] = exchange.inference_id
    return {"captureData": data, "eventMetadata": metadata, "eventVersion": "0"}


def location(config: CaptureConfig, exchange: Exchange, event_id: str) -> tuple[str, str]:
    """(bucket, key) of the record: SageMaker's layout under the destination."""
    bucket, _, prefix = config.destination.removeprefix("s3://").partition("/")
    t = exchange.time
    name = f"{t:%M-%S}-{t.microsecond // 1000:03d}-{event_id}.jsonl"
    parts = [prefix, exchange.endpoint, exchange.variant, f"{t:%Y/%m/%d/%H}", name]
    return bucket, "/".join(p for p in parts if p)


def write(config: CaptureConfig | None, exchange: Exchange, put: Put) -> tuple[str, str] | None:
    """Capture the exchange if sampled; the (bucket, key) written, or None."""
    if config is None or not config.modes or not config.sampled():
        return None
    event_id = uuid7(exchange.time)
    bucket, key = location(config, exchange, event_id)
    put(bucket, key, (json.dumps(record(config, exchange, event_id)) + "\n").encode(), config.kms_key)
    return bucket, key
