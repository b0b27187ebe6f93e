"""A quiet exit of the jsii Node runtime after Ctrl-C.

Ctrl-C in a terminal signals mlzone's whole process group, so jsii's Node process (the runtime behind
cdktf, a child in that group) dies at once; at exit jsii's atexit hook then writes to the dead process's
stdin and prints a `BrokenPipeError` traceback. `guard()` makes that hook close the pipe without writing
when Node is already gone, then finish jsii's own orderly shutdown.
"""

from __future__ import annotations

import contextlib
from typing import Any


def guard() -> None:
    """Install the guard into jsii's process provider (idempotent); call it before cdktf is imported."""
    from jsii._kernel.providers.process import _NodeProcess

    if getattr(_NodeProcess, "mlzone_guarded", False):
        return
    original = _NodeProcess.stop

    def stop(self: Any) -> None:
        node = getattr(self, "_process", None)
        if node is not None and node.poll() is not None and node.stdin is not None:
            with contextlib.suppress(OSError):
                node.stdin.close()  # nothing buffered: closes without writing to the dead process
        original(self)

    _NodeProcess.stop = stop  # type: ignore[method-assign]
    _NodeProcess.mlzone_guarded = True  # type: ignore[attr-defined]
