"""Each model version's MLflow pyfunc, loaded once: unpacked from its model.tar.gz (MLmodel at the tar
root) into a folder of its own under the process's temporary directory, then kept in memory."""

from __future__ import annotations

import hashlib
import io
import tarfile
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlzone.serving.errors import ModelError


class ModelCache:
    """pyfunc models by (version ARN, artifact URI); a new version or artifact loads afresh."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or Path(tempfile.gettempdir()) / "mlzone-models"
        self._models: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def get(self, version: str, artifact: str, fetch: Callable[[], bytes]) -> Any:
        """The loaded model of `version`, calling `fetch` (the tar's bytes) only on first use."""
        key = (version, artifact)
        with self._lock:
            if key not in self._models:
                self._models[key] = self._load(key, fetch())
            return self._models[key]

    def _load(self, key: tuple[str, str], tar: bytes) -> Any:
        import mlflow.pyfunc  # heavy: only an emulator that serves a model pays for it

        folder = self.root / hashlib.sha256("\n".join(key).encode()).hexdigest()[:16]
        folder.mkdir(parents=True, exist_ok=True)
        try:
            with tarfile.open(fileobj=io.BytesIO(tar), mode="r:gz") as archive:
                archive.extractall(folder, filter="data")
        except (tarfile.TarError, OSError) as e:
            raise ModelError(f"{key[1]} is not a readable model.tar.gz: {e}", 500) from None
        if not (folder / "MLmodel").is_file():
            raise ModelError(f"{key[1]} holds no MLmodel at its root (an MLflow model directory, tarred)", 500)
        try:
            return mlflow.pyfunc.load_model(str(folder))
        except Exception as e:  # noqa: BLE001 - any loader failure is the model's, answered as ModelError
            raise ModelError(f"the MLflow model of {key[0]} does not load: {e}", 500) from None
