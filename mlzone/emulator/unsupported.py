"""What the emulator cannot do even with the gap handlers; the local plan lists every match, so nothing
is skipped silently."""

from __future__ import annotations

# Resource types moto cannot create: {type: why}. Empty while every example resource runs.
UNSUPPORTED: dict[str, str] = {}
# Resource types whose in-place update moto cannot do (no spec field causes one today): {type: why}.
UNSUPPORTED_UPDATES: dict[str, str] = {
    "aws_athena_workgroup": "moto 5.2.5 lacks Athena UpdateWorkGroup: an in-place change fails on the emulator",
}
