"""Where the gate's policy files live: the project's `policies/` folder."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKS_DIR = ROOT / "policies" / "checks"
EXCEPTIONS_FILE = ROOT / "policies" / "exceptions.yaml"
OVERLAPS_FILE = ROOT / "policies" / "overlaps.yaml"  # built-in checks covered by ours: not run
