"""The moto gap handlers, one module per AWS service (named after its boto3 client), and the state
helpers they share. Every module here is loaded by `mlzone.emulator.registry.load`; none imports moto at
module level, so importing `mlzone.emulator` stays cheap."""

from __future__ import annotations

import json
from typing import Any


def store(backend: Any, name: str) -> dict[str, Any]:
    """A dict kept on a moto backend object (one per account and region), created on first use."""
    attr = f"mlzone_{name}"
    if not hasattr(backend, attr):
        setattr(backend, attr, {})
    return getattr(backend, attr)


def raw_param(self: Any, name: str) -> Any:
    """A request field read from the JSON body: moto's parser drops fields newer than its botocore model."""
    return json.loads(self.body or "{}").get(name)
