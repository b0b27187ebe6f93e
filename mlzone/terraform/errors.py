"""How a Terraform step fails: the exceptions, and the `Error:` blocks of its log."""

from __future__ import annotations

import re


class TerraformError(RuntimeError):
    """A Terraform step failed; the message names the stack, the step and Terraform's error."""


class TerraformInterrupted(TerraformError):
    """A step was stopped by Ctrl-C, or not started because Ctrl-C came first."""


def terraform_errors(log: str, limit: int = 40) -> str:
    """Terraform's diagnostics: from the first `Error:` to the end of the log, boxes removed, at most
    `limit` lines (the last 20 lines when there is no `Error:`). Terraform prints its diagnostics last;
    with `-no-color` a blank line parts an error's summary from its detail, so the detail is kept."""
    first = re.search(r"^(?:│ )?Error: ", log, flags=re.M)
    if first is None:
        return "\n".join(log.splitlines()[-20:]).strip()
    lines = [re.sub(r"^│ ?", "", line) for line in log[first.start() :].splitlines() if line not in ("╷", "╵")]
    return "\n".join(lines[:limit]).strip()
