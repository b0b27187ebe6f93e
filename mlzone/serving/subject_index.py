"""The local capture writer's side of the subject index: inside the emulator, on moto's backends, each
captured request naming a data subject (the endpoint's `mlzone:subject-field` tag) gets one index entry
per subject (layout: modules/subject_keys.py), so `mlzone erase --subject` never scans the captures."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

from modules.subject_keys import index_key, subject_key, subjects_in


def hmac_key(backend: Any, name: str) -> bytes:
    """The platform's HMAC key from moto's Secrets Manager backend, created on first use (as
    mlzone.predictions.subjects.hmac_key does through the API; moto keeps binaries base64-encoded)."""
    from moto.secretsmanager.exceptions import SecretNotFoundException

    try:
        return base64.b64decode(
            backend.get_secret_value(secret_id=name, version_id=None, version_stage=None)["SecretBinary"]
        )
    except SecretNotFoundException:
        value = secrets.token_bytes(32)
        backend.create_secret(
            name=name,
            secret_string=None,
            secret_binary=base64.b64encode(value).decode(),
            description="mlzone: key of the pseudonymous subject keys",
            tags=None,
            kms_key_id=None,
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        return value


def index_capture(s3: Any, bucket: str, key: str, hmac: bytes, request: bytes, field: str) -> int:
    """Index the capture at `key` under every subject its JSON request names; returns how many."""
    try:
        found = subjects_in(json.loads(request), field)
    except (ValueError, UnicodeDecodeError):
        return 0  # not JSON: no field to read (erasure reads JSON requests only, as SageMaker captures them)
    for subject in found:
        s3.put_object(bucket, index_key(subject_key(hmac, subject), key), json.dumps({"key": key}).encode())
    return len(found)
