"""The boto3 client factory every mlzone command uses: the local emulator or the standard AWS chain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config

LOCAL_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


def clients(region: str, endpoint_url: str | None) -> Callable[[str], Any]:
    """A cached boto3 client per service: the emulator (test credentials) or the standard AWS chain."""
    config = Config(retries={"max_attempts": 2}, connect_timeout=10, read_timeout=30)
    extra = {"endpoint_url": endpoint_url, **LOCAL_CREDENTIALS} if endpoint_url else {}
    cache: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in cache:
            cache[service] = boto3.client(service, region_name=region, config=config, **extra)
        return cache[service]

    return client
