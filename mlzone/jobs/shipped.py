"""The files the scoring job runs with, as uploaded to the project's code prefix and staged for local runs:
the entry point and the modules it imports (passed to Spark with `--py-files`)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from modules import prediction_record, scoring_job, subject_keys

HERE = Path(__file__).resolve().parent
ENTRY_POINT = HERE / "score.py"
PY_FILES = (
    Path(prediction_record.__file__).resolve(),
    HERE.parent / "audit_record.py",
    Path(scoring_job.__file__).resolve(),
    Path(subject_keys.__file__).resolve(),
)


def stage(into: Path) -> Path:
    """Copy the entry point and its modules into `into` (as --py-files puts them beside it); returns the script."""
    into.mkdir(parents=True, exist_ok=True)
    for file in (ENTRY_POINT, *PY_FILES):
        shutil.copy(file, into / file.name)
    return into / ENTRY_POINT.name


def files() -> tuple[str, ...]:
    """The files as the project stack uploads them: the entry point first, then the --py-files."""
    return tuple(str(f) for f in (ENTRY_POINT, *PY_FILES))


def script_sha256() -> str:
    """The script version a run manifest records."""
    return hashlib.sha256(ENTRY_POINT.read_bytes()).hexdigest()
