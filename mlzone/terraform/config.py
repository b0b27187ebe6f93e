"""Which Terraform and which providers: the binary, a provider mirror, and the CLI config pointing at it."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mlzone.terraform.errors import TerraformError

AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
AWS_PROVIDER_VERSION = "5.100.0"  # what cdktf-cdktf-provider-aws 20.1.0 pins in required_providers
PLUGIN_CACHE = "plugin-cache"  # next to the CLI config
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)


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
    """Write `<work>/terraformrc` (mirror for hashicorp/aws, registry for the rest) and a plugin cache that
    an init fills once and later inits only link from."""
    work.mkdir(parents=True, exist_ok=True)
    cache = work / PLUGIN_CACHE
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
    # Without the second line Terraform uses the cache only where a stack's lock file already lists the
    # provider: a stack's first init installs it again, replacing the cache entry that the other stacks'
    # running plans read their provider through ("there is no package … cached in .terraform/providers").
    # With it, an init finding the provider cached links it and leaves the entry alone. The lock file is the
    # same either way: the one local checksum (h1) Terraform can compute for a mirror's provider.
    config.write_text(
        f'plugin_cache_dir = "{cache.resolve()}"\nplugin_cache_may_break_dependency_lock_file = true\n' + body
    )
    return config


@contextmanager
def plugin_cache_lock(cli_config: Path) -> Iterator[None]:
    """Hold the plugin cache of `cli_config` alone: Terraform's cache is not safe for concurrent installs.

    Two `terraform init` filling one empty cache at once fail with "mkdir …: file exists".
    `flock` excludes threads (each opens its own file) and processes alike."""
    with (cli_config.parent / f"{PLUGIN_CACHE}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
