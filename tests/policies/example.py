"""The example zone laid out on disk as cdktf and Terraform expect it, for gate and plan tests.

`<root>/cdktf.out/stacks/<stack>/cdk.tf.json`, and a stand-in platform state at
`<root>/.mlzone/state/platform.tfstate` (the local backend path of stacks/target.py) so project
stacks can be planned without applying the platform first.
"""

from __future__ import annotations

import json
from pathlib import Path

from stacks.spec import PlatformSpec

# Platform outputs that hold bucket names -> the bucket purpose (PlatformSpec.bucket_name).
BUCKET_OUTPUTS = {
    "access_log_bucket": "access-logs",
    "audit_bucket": "audit",
    "capture_bucket": "predictions",
    "data_bucket": "data",
    "emr_log_bucket": "emr-logs",
    "mlflow_bucket": "mlflow",
}


def write_stacks(root: Path, synth: dict[str, dict]) -> dict[str, Path]:
    """Write every stack's JSON; returns stack name -> cdk.tf.json path."""
    files = {}
    for stack, doc in synth.items():
        path = root / "cdktf.out" / "stacks" / stack / "cdk.tf.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=1))
        files[stack] = path
    return files


def fake_platform_state(root: Path, platform: PlatformSpec, platform_synth: dict) -> Path:
    """A state file holding only the platform's outputs, with realistic values."""

    def value(name: str):
        if name in BUCKET_OUTPUTS:
            return platform.bucket_name(BUCKET_OUTPUTS[name])
        if name.endswith("_ids"):
            return ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
        if name.endswith("_arn"):
            return f"arn:aws:kms:{platform.region}:123456789012:key/{name}"
        return f"{platform.name}-{name.replace('_', '-')}"

    outputs = {}
    for name in platform_synth.get("output", {}):
        v = value(name)
        outputs[name] = {"value": v, "type": ["list", "string"] if isinstance(v, list) else "string"}
    path = root / ".mlzone" / "state" / "platform.tfstate"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "version": 4,
                "terraform_version": "1.11.4",
                "serial": 1,
                "lineage": "stand-in",
                "outputs": outputs,
                "resources": [],
            }
        )
    )
    return path


def resource(doc: dict, type_: str, path: str) -> dict:
    """The body of the one resource of `type_` whose construct path is `path`."""
    found = [body for body in doc["resource"].get(type_, {}).values() if body["//"]["metadata"]["path"] == path]
    assert len(found) == 1, f"no single {type_} at {path}"
    return found[0]
