"""A second identity on the local target, for four eyes: an IAM user of the emulator with a fresh access key.

The emulator's STS answers `GetCallerIdentity` with the user a key belongs to, so `mlzone model approve`
run with alice's key is alice (`arn:aws:iam::<account>:user/alice`), as the registering identity is the
one of its own key. Only the emulator: on AWS identities come from SSO or roles, never from mlzone.
"""

from __future__ import annotations

import re
from typing import Any

from mlzone.errors import INVALID, Failure

USER_NAME = re.compile(r"[\w+=,.@-]{1,64}")  # IAM's user-name rule


class IdentityError(Failure):
    """The user name is not a valid IAM user name (bad input)."""

    code = INVALID


def user_credentials(iam: Any, user: str) -> dict[str, str]:
    """`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` of IAM user `user` (created if new); each call issues
    a new key and deletes the user's older ones (IAM allows two per user)."""
    if not USER_NAME.fullmatch(user):
        raise IdentityError(
            f"--as {user!r} is not an IAM user name; fix: use up to 64 letters, digits or + = , . @ _ -"
        )
    try:
        iam.create_user(UserName=user)
    except iam.exceptions.EntityAlreadyExistsException:
        for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
