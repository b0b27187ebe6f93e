"""The platform stack plans cleanly with the real hashicorp/aws 5.100.0 provider (no AWS, no emulator)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlzone.terraform.runner import Terraform
from stacks.app import build_app
from stacks.spec import Zone
from stacks.target import Target

pytestmark = pytest.mark.plan


@pytest.fixture(scope="module")
def platform_plan(zone: Zone, tf_cli_config: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("platform-plan")
    build_app(Zone(zone.root, zone.platform, ()), Target(kind="local"), outdir=str(out / "cdktf.out")).synth()
    tf = Terraform(stack_dir=out / "cdktf.out" / "stacks" / "platform", cli_config=tf_cli_config, log_dir=out / "logs")
    tf.init()
    return json.loads(tf.plan(refresh=False).read_text())


def planned(plan: dict, type_: str) -> list[dict]:
    return [rc["change"]["after"] for rc in plan["resource_changes"] if rc["type"] == type_]


def test_platform_plan_only_creates(platform_plan):
    actions = {tuple(rc["change"]["actions"]) for rc in platform_plan["resource_changes"]}
    assert actions == {("create",)}
    assert len(platform_plan["resource_changes"]) > 50
    assert platform_plan["configuration"]["provider_config"]["aws"]["version_constraint"] == "5.100.0"


def test_platform_plan_keeps_the_secure_values(platform_plan):
    (lock,) = planned(platform_plan, "aws_s3_bucket_object_lock_configuration")
    assert lock["rule"][0]["default_retention"][0] == {"mode": "COMPLIANCE", "days": 2555, "years": None}
    (trail,) = planned(platform_plan, "aws_cloudtrail")
    assert trail["is_multi_region_trail"] and trail["enable_log_file_validation"]
    assert all(
        k["enable_key_rotation"] and k["deletion_window_in_days"] == 30 for k in planned(platform_plan, "aws_kms_key")
    )
    assert all(
        all(p[f] for f in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
        for p in planned(platform_plan, "aws_s3_bucket_public_access_block")
    )
    assert not planned(platform_plan, "aws_internet_gateway") and not planned(platform_plan, "aws_nat_gateway")
    for bucket in planned(platform_plan, "aws_s3_bucket"):
        assert bucket["tags"]["managed-by"] == "mlzone" and bucket["tags"]["team"] == "ml-platform"
