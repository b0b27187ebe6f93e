"""Run the Terraform CLI for one synthesized stack: init (mirror or registry), plan, show, apply.

The project writes its own CLI config (`.mlzone/terraformrc`): with a provider mirror
(`MLZONE_PROVIDER_MIRROR`, or one auto-detected in the usual plugin folders) Terraform installs
hashicorp/aws from it and never calls the registry; without one it uses the public registry.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
AWS_PROVIDER_VERSION = "5.100.0"  # what cdktf-cdktf-provider-aws 20.1.0 pins in required_providers
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)


class TerraformError(RuntimeError):
    """A Terraform step failed; the message names the stack, the step and Terraform's error."""


def find_terraform() -> str:
    """`MLZONE_TERRAFORM` or `terraform` on PATH."""
    found = os.environ.get("MLZONE_TERRAFORM") or shutil.which("terraform")
    if not found or not Path(found).is_file():
        raise TerraformError(
            "terraform not found; fix: install Terraform >= 1.10 on PATH or set MLZONE_TERRAFORM=/path/to/terraform"
        )
    return found


def find_mirror() -> Path | None:
    """A provider mirror holding hashicorp/aws 5.100.0: `MLZONE_PROVIDER_MIRROR`, else the usual folders."""
    explicit = os.environ.get("MLZONE_PROVIDER_MIRROR")
    candidates = [explicit] if explicit else list(MIRROR_CANDIDATES)
    for candidate in candidates:
        path = Path(candidate).expanduser()
        if (path / AWS_PROVIDER / AWS_PROVIDER_VERSION).is_dir():
            return path.resolve()
    if explicit:
        raise TerraformError(
            f"MLZONE_PROVIDER_MIRROR={explicit} holds no {AWS_PROVIDER}/{AWS_PROVIDER_VERSION}; "
            "fix: point it at a folder laid out like `terraform providers mirror` writes"
        )
    return None


def write_cli_config(work: Path, mirror: Path | None) -> Path:
    """Write `<work>/terraformrc` (mirror for hashicorp/aws, registry for the rest) and a plugin cache."""
    work.mkdir(parents=True, exist_ok=True)
    cache = work / "plugin-cache"
    cache.mkdir(exist_ok=True)
    if mirror is None:
        body = ""
    else:
        body = (
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = ["{AWS_PROVIDER}"]\n  }}\n'
            f'  direct {{\n    exclude = ["{AWS_PROVIDER}"]\n  }}\n'
            "}\n"
        )
    config = work / "terraformrc"
    config.write_text(f'plugin_cache_dir = "{cache.resolve()}"\n' + body)
    return config


@dataclass(frozen=True, kw_only=True)
class Terraform:
    """Terraform in one stack folder (`cdktf.out/stacks/<stack>`)."""

    stack_dir: Path  # where cdk.tf.json is
    cli_config: Path  # from write_cli_config
    env: tuple[tuple[str, str], ...] = ()  # extra variables, e.g. TF_VAR_emulator_url
    timeout: int = 1800  # seconds per step; nothing hangs forever

    def run(self, step: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `terraform <step> <args>`; raise TerraformError naming stack, step and error."""
        env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(self.cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            **dict(self.env),
        }
        cmd = [find_terraform(), step, *args]
        try:
            proc = subprocess.run(cmd, cwd=self.stack_dir, env=env, capture_output=True, text=True,
                                  timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise TerraformError(f"{self.stack_dir.name}: terraform {step} timed out after {self.timeout}s") from None
        if proc.returncode != 0:
            raise TerraformError(f"{self.stack_dir.name}: terraform {step} failed:\n{proc.stderr.strip() or proc.stdout}")
        return proc

    def init(self) -> None:
        self.run("init", "-input=false", "-no-color")

    def plan(self, plan_file: str = "tfplan", refresh: bool = True) -> Path:
        """Save a plan and its JSON (`plan.json`) next to cdk.tf.json; return the JSON path."""
        self.run("plan", "-input=false", "-no-color", f"-out={plan_file}", *(() if refresh else ("-refresh=false",)))
        shown = self.run("show", "-json", "-no-color", plan_file)
        path = self.stack_dir / "plan.json"
        path.write_text(shown.stdout)
        return path
