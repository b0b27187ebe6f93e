"""The example zone as `python main.py` writes it: full synth, with the construct-path metadata
(`Testing.synth` drops the `"//"` metadata the gate maps findings with)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cdktf import TerraformStack, Testing


@pytest.fixture(scope="session")
def example_full_synth(example_stacks: dict[str, TerraformStack]) -> dict[str, dict]:
    """Stack name -> cdk.tf.json content, with `"//".metadata.path` on every resource."""
    docs = {}
    for name, stack in example_stacks.items():
        outdir = Path(Testing.full_synth(stack))
        docs[name] = json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text())
    return docs
