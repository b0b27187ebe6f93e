"""Listing S3 objects under a prefix, page by page, in key order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def keys(s3: Any, bucket: str, prefix: str, start_after: str = "") -> Iterator[str]:
    """Keys of the objects under `prefix` (S3 lists them in key order), after `start_after` if given."""
    after = {"StartAfter": start_after} if start_after else {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, **after):
        yield from (o["Key"] for o in page.get("Contents", []))
