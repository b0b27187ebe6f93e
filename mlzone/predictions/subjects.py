"""Pseudonymous data-subject keys and the index that finds a subject's objects without scanning the log.

`subject_key` is an HMAC-SHA256 of the raw subject id under a key only the platform holds (a Secrets
Manager secret encrypted with the platform data key), so the log can name a subject without storing
the id, and nobody without the key can test a guessed id against it (a plain hash would allow that).

Whoever writes a prediction object (the local capture writer, the batch job) also writes one empty
index entry per subject in it: `_subjects/<subject_key>/<sha256 of the object key>` holding the
object key. Erasure lists one subject's entries, never the log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from typing import Any

from mlzone import s3_objects

INDEX = "_subjects/"


def secret_name(platform: str) -> str:
    """The Secrets Manager secret holding the platform's subject-key HMAC key."""
    return f"{platform}-subject-key"


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


def subject_key(key: bytes, subject_id: str) -> str:
    """The pseudonymous key of one data subject."""
    return hmac.new(key, subject_id.encode(), hashlib.sha256).hexdigest()


def index_key(subject: str, object_key: str) -> str:
    return f"{INDEX}{subject}/{hashlib.sha256(object_key.encode()).hexdigest()}"


def index(s3: Any, bucket: str, subjects: set[str], object_key: str) -> None:
    """Record that `object_key` holds records of each subject in `subjects`."""
    for subject in sorted(subjects):
        s3.put_object(Bucket=bucket, Key=index_key(subject, object_key), Body=json.dumps({"key": object_key}).encode())


def objects_of(s3: Any, bucket: str, subject: str) -> Iterator[tuple[str, str]]:
    """(index entry key, object key) of every object recorded as holding `subject`."""
    for entry in s3_objects.keys(s3, bucket, f"{INDEX}{subject}/"):
        yield entry, json.loads(s3.get_object(Bucket=bucket, Key=entry)["Body"].read())["key"]


def subjects_in(value: Any, field: str) -> set[str]:
    """Every value of `field` in a request payload (an object, or records/`inputs` nesting objects)."""
    if isinstance(value, dict):
        found = {str(value[field])} if field in value else set()
        return found.union(*(subjects_in(v, field) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(subjects_in(v, field) for v in value))
    return set()
