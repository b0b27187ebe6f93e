"""Options shared by the command groups, each declared once."""

from __future__ import annotations

from pathlib import Path

import typer

ROOT = typer.Option(Path("."), "--root", help="Folder holding platform.yaml and projects/.")
TARGET = typer.Option("local", "--target", help="local (emulator) or aws.")
JSON_OUT = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables.")
