"""Synthesize the zone to Terraform JSON: `cdktf.out/stacks/<stack>/cdk.tf.json`."""

from __future__ import annotations

import os
from pathlib import Path

from stacks.app import build_app
from stacks.target import Target


def synthesize(root: Path, outdir: Path | None = None, target: Target | None = None) -> list[Path]:
    """Validate specs, build and synth every stack; return the stack folders. Raises SpecError."""
    out = Path(outdir or os.environ.get("CDKTF_OUTDIR") or root / "cdktf.out")
    app = build_app(root, target=target, outdir=str(out))
    app.synth()
    return sorted(p for p in (out / "stacks").iterdir() if (p / "cdk.tf.json").is_file())
