"""The cdktf app entry point (`cdktf.json`: "app": "python main.py"); `cdktf synth` runs this."""

import sys
from pathlib import Path

import mlzone  # noqa: F401  (silences the jsii Node banner before cdktf is imported)
from mlzone.cli import synth_entry

if __name__ == "__main__":
    sys.exit(synth_entry(Path(__file__).resolve().parent))
