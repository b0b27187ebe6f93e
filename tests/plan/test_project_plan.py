"""The example zone plans cleanly with the real hashicorp/aws 5.100.0 provider (no AWS, no emulator),
and each example stack's plan matches its inventory (`inventories/<stack>.yaml`: resource counts per
type and key attribute values, the cloud-foundation-fabric habit).

Project stacks read the platform's outputs from the platform state (see stacks/project_stack.py),
so they cannot be planned before the platform is applied. Here the platform state is a fixture:
a minimal Terraform state (format 4) holding only the outputs of the documented contract
(`PLATFORM_OUTPUTS` + `TRACKING_OUTPUTS`), with fake but well-formed ids. We chose a fixture over
applying the platform to the emulator because a plan test must need neither AWS nor moto, and
over a plan of the platform because a plan has no output values for resources not yet created.
A unit test (tests/unit/test_project_stack.py) checks the platform stack declares every output
of the contract, so the fixture and the real platform cannot drift apart unnoticed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mlzone.terraform.errors import TerraformError
from mlzone.terraform.runner import Terraform
from stacks.app import build_app
from stacks.project_stack import PLATFORM_OUTPUTS, TRACKING_OUTPUTS
from stacks.spec import PlatformSpec, Zone
from stacks.target import LOCAL_STATE_DIR, Target

pytestmark = pytest.mark.plan
INVENTORIES = Path(__file__).parent / "inventories"
EXAMPLE_STACKS = ("platform", "fraud-detection", "churn")
SUBNETS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]


def fake_platform_outputs(platform: PlatformSpec, account: str) -> dict:
    """Values for every platform output a project stack reads (same names, same types)."""
    arn = f"arn:aws:%s:{platform.region}:{account}:%s"
    values = {
        "vpc_id": "vpc-0a1b2c3d4e5f60789",
        "subnet_ids": SUBNETS,
        "endpoint_security_group_id": "sg-0a1b2c3d4e5f60123",
        "s3_prefix_list_id": "pl-6da54004",
        "data_key_arn": arn % ("kms", "key/0b5c1f9e-1111-4e3a-9c55-000000000001"),
        "audit_key_arn": arn % ("kms", "key/0b5c1f9e-1111-4e3a-9c55-000000000002"),
        "access_log_bucket": platform.bucket_name("access-logs"),
        "capture_bucket": platform.bucket_name("predictions"),
        "emr_log_bucket": platform.bucket_name("emr-logs"),
        "mlflow_bucket": platform.bucket_name("mlflow"),
        "tracking_server_arn": arn % ("sagemaker", f"mlflow-tracking-server/{platform.name}-mlflow"),
    }
    assert set(values) == set(PLATFORM_OUTPUTS) | set(TRACKING_OUTPUTS), "fixture out of date with the contract"
    return values


def write_platform_state(path: Path, outputs: dict) -> None:
    """A Terraform state file with outputs only, as `terraform_remote_state` reads it."""

    def type_of(value):
        return ["list", "string"] if isinstance(value, list) else "string"

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "version": 4,
                "terraform_version": "1.11.4",
                "serial": 1,
                "lineage": "mlzone-plan-test-fixture",
                "outputs": {k: {"value": v, "type": type_of(v)} for k, v in outputs.items()},
                "resources": [],
            }
        )
    )


@pytest.fixture(scope="module")
def synthesized(zone: Zone, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example zone synthesized for the local target; returns the folder holding cdktf.out/."""
    root = tmp_path_factory.mktemp("zone-plan")
    build_app(zone, Target(kind="local"), outdir=str(root / "cdktf.out")).synth()
    return root


def terraform(root: Path, stack: str, cli_config: Path) -> Terraform:
    return Terraform(stack_dir=root / "cdktf.out" / "stacks" / stack, cli_config=cli_config, log_dir=root / "logs")


@pytest.fixture(scope="module")
def plans(zone: Zone, synthesized: Path, tf_cli_config: Path) -> dict[str, dict]:
    """Plan JSON of every example stack; the projects read the platform state fixture."""
    state = synthesized / "cdktf.out" / "stacks" / "platform" / LOCAL_STATE_DIR / "platform.tfstate"
    write_platform_state(
        state.resolve(), fake_platform_outputs(zone.platform, Target(kind="local").account_id(zone.platform))
    )
    out = {}
    for stack in EXAMPLE_STACKS:
        tf = terraform(synthesized, stack, tf_cli_config)
        tf.init()
        out[stack] = json.loads(tf.plan(refresh=False).read_text())
    return out


def after(plan: dict) -> dict[str, dict]:
    """Planned values by resource address."""
    return {rc["address"]: rc["change"]["after"] for rc in plan["resource_changes"]}


def test_project_plan_only_creates_and_reads_the_platform_state(plans):
    plan = plans["fraud-detection"]
    assert {tuple(rc["change"]["actions"]) for rc in plan["resource_changes"]} == {("create",)}
    values = after(plan)
    (notebook,) = [v for a, v in values.items() if a.startswith("aws_sagemaker_notebook_instance.")]
    assert notebook["subnet_id"] == SUBNETS[0]
    assert "security_groups" not in notebook  # the project's own group, created by this plan (id unknown)
    (change,) = [rc for rc in plan["resource_changes"] if rc["type"] == "aws_sagemaker_notebook_instance"]
    assert change["change"]["after_unknown"]["security_groups"] is True
    rules = [v for a, v in values.items() if a.startswith("aws_security_group_rule.")]
    assert {r.get("source_security_group_id") for r in rules if r["type"] == "egress"} >= {"sg-0a1b2c3d4e5f60123"}
    assert all(r.get("source_security_group_id") is None for r in rules if r["type"] == "ingress")  # own groups only
    (model,) = [v for a, v in values.items() if a.startswith("aws_sagemaker_model.")]
    assert model["vpc_config"][0]["subnets"] == SUBNETS


def subset(expected, actual, where: str) -> None:
    """`expected` is contained in `actual` (dict keys recursively; lists element by element)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected a mapping, planned {actual!r}"
        for key, value in expected.items():
            subset(value, actual.get(key), f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: planned {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            subset(e, a, f"{where}[{i}]")
    else:
        assert expected == actual, f"{where}: inventory says {expected!r}, plan has {actual!r}"


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_plan_matches_inventory(plans, stack):
    inventory = yaml.safe_load((INVENTORIES / f"{stack}.yaml").read_text())
    plan = plans[stack]
    counts: dict[str, int] = {}
    for rc in plan["resource_changes"]:
        if rc["mode"] == "managed":
            counts[rc["type"]] = counts.get(rc["type"], 0) + 1
    assert counts == inventory["counts"]
    values = after(plan)
    for address, expected in inventory["values"].items():
        assert address in values, f"{address} is not in the {stack} plan"
        subset(expected, values[address], address)


def test_project_cannot_be_planned_without_the_platform(zone: Zone, tf_cli_config: Path, tmp_path: Path):
    build_app(
        Zone(zone.root, zone.platform, zone.projects[:1]), Target(kind="local"), outdir=str(tmp_path / "cdktf.out")
    ).synth()
    tf = terraform(tmp_path, zone.projects[0].name, tf_cli_config)
    tf.init()
    with pytest.raises(TerraformError, match="Unable to find remote state"):
        tf.plan(refresh=False)
