"""What synthesized and gated output depends on besides the specs: mlzone's code, the libraries, MLZONE_* settings.

The synth cache (`mlzone.synth_cache`) and the scan cache (`mlzone.gate.scan_cache`) key their entries with it, so
a change to any file of mlzone's packages, a library upgrade or a different setting never reuses an older result.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from importlib import metadata

from mlzone.gate.paths import ROOT

PACKAGES = ("mlzone", "stacks", "modules", "policies")  # every file of these, data files included
LIBRARIES = ("cdktf", "cdktf-cdktf-provider-aws", "constructs", "jsii", "checkov")


@functools.cache
def code() -> str:
    """sha256 of the Python version, the libraries' versions and every file of mlzone's packages (once per process)."""
    digest = hashlib.sha256(sys.version.encode())
    for library in LIBRARIES:
        digest.update(f"\0{library}=={metadata.version(library)}".encode())
    for package in PACKAGES:
        for file in sorted((ROOT / package).rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(b"\0" + file.relative_to(ROOT).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def settings() -> dict[str, str]:
    """The MLZONE_* environment variables (read anew on every call: tests and the portal change them)."""
    return {key: value for key, value in sorted(os.environ.items()) if key.startswith("MLZONE_")}
