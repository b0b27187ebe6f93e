"""The cdktf app entry point (`cdktf.json`: "app": "python main.py"); `cdktf synth` runs this.

Specs are read from this folder, or from `MLZONE_ROOT` when set."""

import os
import sys
from pathlib import Path

import mlzone  # noqa: F401  (first: the jsii environment and the lazy AWS bindings, before cdktf loads)
from mlzone.orchestrate.run import synth_entry

if __name__ == "__main__":
    sys.exit(synth_entry(Path(os.environ.get("MLZONE_ROOT") or Path(__file__).resolve().parent)))
