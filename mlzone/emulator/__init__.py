"""The local target: a moto server on loopback, with the few AWS APIs moto lacks filled in.

- `server.py`: the process and its lifecycle (`Emulator`, the kept-emulator record, `serve`);
  `__main__.py`: the CLI `python -m mlzone.emulator serve --port N` that `Emulator` starts.
- `gaps/<service>.py`: the gap handlers of one AWS service (the boto3 client name, `-` as `_`; a large
  service may add `gaps/<service>_<topic>.py`, e.g. `sagemaker_mlflow.py`), each registered next to its
  definition with `@fills(service, operation, ..., on="module:Class")`; `registry.py` collects and
  installs them (`patch_moto`).
- `unsupported.py`: resource types the emulator cannot create or update at all.

Adding a handler: write it in a gaps module, e.g. `gaps/sagemaker_runtime.py` for `InvokeEndpoint` (a new
file is picked up on its own: no list to edit), register it:

    @fills("sagemaker-runtime", "InvokeEndpoint", on="moto.sagemakerruntime.responses:SageMakerRuntimeResponse")
    def sagemaker_runtime_invoke_endpoint(self: Any) -> Any: ...

(`attr` defaults to the operation in snake_case, the name moto dispatches to; `wraps=True` receives the
original and returns its replacement), give it a unit test in `tests/unit/test_emulator*.py`, and add a
row to the README's "Local emulator gaps" table (`tests/unit/test_emulator_registry.py` checks table and
registry against each other). Import moto inside the handler, not at module level.
"""

from __future__ import annotations

from mlzone.emulator.registry import fills, patch_moto
from mlzone.emulator.server import (
    HOST,
    START_TIMEOUT,
    STATE_FILE,
    TOKEN_ENV,
    TOKEN_PATH,
    Emulator,
    answering_token,
    answers_token,
    command_line,
    is_ours,
    kept_url,
    serve,
    stop_kept,
)
from mlzone.emulator.unsupported import UNSUPPORTED, UNSUPPORTED_UPDATES

__all__ = [
    "HOST",
    "START_TIMEOUT",
    "STATE_FILE",
    "TOKEN_ENV",
    "TOKEN_PATH",
    "UNSUPPORTED",
    "UNSUPPORTED_UPDATES",
    "Emulator",
    "answering_token",
    "answers_token",
    "command_line",
    "fills",
    "is_ours",
    "kept_url",
    "patch_moto",
    "serve",
    "stop_kept",
]
