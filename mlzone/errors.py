"""The one shape a command's error has: a message that names the fix, and the exit code the command
ends with (the codes are listed in `mlzone --help`). Domain errors subclass `Failure` with their code."""

from __future__ import annotations

FAILED, INVALID, REFUSED, DRIFT, INTERRUPTED = 1, 2, 3, 4, 130


class Failure(Exception):
    """A command ends with `code`, printing `message` as its error (mlzone.commands.common.reported does both)."""

    code = FAILED

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
