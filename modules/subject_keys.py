"""Pseudonymous data-subject keys and where their index entries go: standard library only, so the scoring
job (shipped beside it with `--py-files`), the local capture writer and erasure compute them the same way.

`subject_key` is an HMAC-SHA256 of the raw subject id under a key only the platform holds, so the log
can name a subject without storing the id, and nobody without the key can test a guessed id against it.
An index entry `<project>/_subjects/<subject_key>/<sha256 of the object key>` holds the key of an object
with records of that subject; it lives under the object's own project prefix (what the project's roles
may write).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

INDEX = "_subjects"
FIELD_TAG, SECRET_TAG = "mlzone:subject-field", "mlzone:subject-key-secret"  # on an endpoint whose model names one


def endpoint_tags(field: str | None, secret: str) -> dict[str, str]:
    """The tags telling a capture writer which request field names the subject and where the HMAC key is."""
    return {FIELD_TAG: field, SECRET_TAG: secret} if field else {}


def secret_name(platform: str) -> str:
    """The Secrets Manager secret holding the platform's subject-key HMAC key."""
    return f"{platform}-subject-key"


def subject_key(key: bytes, subject_id: str) -> str:
    """The pseudonymous key of one data subject."""
    return hmac.new(key, subject_id.encode(), hashlib.sha256).hexdigest()


def index_prefix(project: str, subject: str) -> str:
    """Where the index entries of one subject in one project are."""
    return f"{project}/{INDEX}/{subject}/"


def index_key(subject: str, object_key: str) -> str:
    """The index entry saying `object_key` (`<project>/...`) holds records of `subject`."""
    project = object_key.split("/", 1)[0]
    return index_prefix(project, subject) + hashlib.sha256(object_key.encode()).hexdigest()


def is_index(key: str) -> bool:
    return key.split("/")[1:2] == [INDEX]


def subjects_in(value: Any, field: str) -> set[str]:
    """Every value of `field` in a request payload (an object, or records/`inputs` nesting objects)."""
    if isinstance(value, dict):
        found = {str(value[field])} if field in value else set()
        return found.union(*(subjects_in(v, field) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(subjects_in(v, field) for v in value))
    return set()
