"""`python -m mlzone` runs the CLI."""

from mlzone.cli import app

app(prog_name="mlzone")
