"""How a Terraform step fails: the exceptions, and the `Error:` blocks of its log."""

from __future__ import annotations

import re


class TerraformError(RuntimeError):
    """A Terraform step failed; the message names the stack, the step and Terraform's error."""


class TerraformInterrupted(TerraformError):
    """A step was stopped by Ctrl-C, or not started because Ctrl-C came first."""


def terraform_errors(log: str) -> str:
    """The `Error: ...` blocks of a Terraform log (the whole tail when there are none)."""
    blocks = re.findall(r"^(?:│ )?Error: .*?(?=\n(?:│ )?\n|\n╵|\Z)", log, flags=re.M | re.S)
    text = "\n\n".join(b.replace("│ ", "") for b in blocks) if blocks else "\n".join(log.splitlines()[-20:])
    return text.strip()
