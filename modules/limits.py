"""Limits that the spec layer and the policy gate both enforce, each defined once.

The spec refuses a value outside these limits naming the spec field (exit 2), so gate 1 never has
to refuse what the spec accepted; the policy checks import the same values.
"""

from __future__ import annotations

import os

AUDIT_RETENTION_DAYS = 2555  # seven years: the default and the platform minimum of audit Object Lock
AUDIT_MIN_RETENTION_ENV = "MLZONE_AUDIT_MIN_RETENTION_DAYS"  # overrides the minimum (CKV_MLZ_6)
CAPTURE_MIN_PERCENT = 1  # an endpoint captures at least this share of its requests (CKV_MLZ_13)
REASON_MIN_CHARS = 20  # an `allow_*` reason, whitespace aside


def audit_min_retention_days() -> int:
    """Minimum Object Lock retention of audit data: `MLZONE_AUDIT_MIN_RETENTION_DAYS`, else 2555."""
    raw = os.environ.get(AUDIT_MIN_RETENTION_ENV, "").strip()
    if not raw:
        return AUDIT_RETENTION_DAYS
    if not raw.isascii() or not raw.isdigit():
        raise ValueError(
            f"{AUDIT_MIN_RETENTION_ENV}={raw[:20]!r} is not a whole number of days; fix: unset it or use e.g. 2555"
        )
    return int(raw)
