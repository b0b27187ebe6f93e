"""The platform's subject-key HMAC key and the subject index (its layout: mlzone/jobs/subject_keys.py).

Whoever writes a prediction object (the local capture writer, the batch job) also writes one index
entry per subject in it; erasure lists one subject's entries per project, never the log.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Iterator
from typing import Any

from mlzone import s3_objects
from modules.subject_keys import index_key, index_prefix, secret_name


def hmac_key(secretsmanager: Any, platform: str, kms_key_id: str | None = None) -> bytes:
    """The platform's HMAC key, created (32 random bytes, encrypted with `kms_key_id`) on first use."""
    name = secret_name(platform)
    try:
        return secretsmanager.get_secret_value(SecretId=name)["SecretBinary"]
    except secretsmanager.exceptions.ResourceNotFoundException:
        value = secrets.token_bytes(32)
        extra = {"KmsKeyId": kms_key_id} if kms_key_id else {}
        secretsmanager.create_secret(
            Name=name, SecretBinary=value, Description="mlzone: key of the pseudonymous subject keys", **extra
        )
        return value


def index(s3: Any, bucket: str, subjects: set[str], object_key: str) -> None:
    """Record that `object_key` holds records of each subject in `subjects`."""
    for subject in sorted(subjects):
        s3.put_object(Bucket=bucket, Key=index_key(subject, object_key), Body=json.dumps({"key": object_key}).encode())


def objects_of(s3: Any, bucket: str, subject: str, projects: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(index entry key, object key) of every object of `projects` recorded as holding `subject`."""
    for project in projects:
        for entry in s3_objects.keys(s3, bucket, index_prefix(project, subject)):
            yield entry, json.loads(s3.get_object(Bucket=bucket, Key=entry)["Body"].read())["key"]
