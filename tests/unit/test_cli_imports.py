"""The CLI starts without the cdktf bindings: commands that synthesize load them when they run."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_cli_loads_no_jsii_runtime() -> None:
    code = (
        "import sys, mlzone.cli; "
        "print(sorted(m for m in ('jsii', 'cdktf', 'cdktf_cdktf_provider_aws') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", "a command module imports the bindings at load time; import them on use"
