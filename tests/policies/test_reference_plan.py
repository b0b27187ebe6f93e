"""Gate 2 on real plans: `terraform plan` (offline, provider mirror) of every example stack passes the
gate; insecure planned values and deletes of audit data or keys are blocked."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from mlzone import report
from mlzone.gate.runner import run as run_gate
from mlzone.terraform.runner import Terraform
from stacks.spec import Zone
from tests.policies.example import fake_platform_state, write_stacks

pytestmark = [pytest.mark.plan, pytest.mark.policy]


@pytest.fixture(scope="module")
def plans(
    example_full_synth: dict[str, dict], zone: Zone, tf_cli_config: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Stack name -> plan.json, planned next to its cdk.tf.json (so findings map to construct paths)."""
    root = tmp_path_factory.mktemp("zone")
    files = write_stacks(root, example_full_synth)
    fake_platform_state(root, zone.platform, example_full_synth["platform"])
    out = {}
    for stack, file in files.items():
        tf = Terraform(stack_dir=file.parent, cli_config=tf_cli_config, timeout=600)
        tf.init()
        out[stack] = tf.plan(refresh=False)
    return out


def test_every_example_plan_passes_the_gate(plans: dict[str, Path]) -> None:
    result = run_gate(list(plans.values()))
    assert result.ok, "\n".join(report.lines(result))
    assert {r.kind for r in result.files} == {"plan"} and all(r.passed > 50 for r in result.files)


def mutated(plan: Path, tmp_path: Path, edit) -> Path:
    """A copy of `plan` (beside a copy of its cdk.tf.json) after `edit(doc)`."""
    doc = copy.deepcopy(json.loads(plan.read_text()))
    edit(doc)
    folder = tmp_path / plan.parent.name
    folder.mkdir()
    (folder / "cdk.tf.json").write_text((plan.parent / "cdk.tf.json").read_text())
    (folder / "plan.json").write_text(json.dumps(doc))
    return folder / "plan.json"


def change_of(doc: dict, type_: str, name_prefix: str) -> dict:
    return next(c for c in doc["resource_changes"] if c["type"] == type_ and c["name"].startswith(name_prefix))


def planned(doc: dict, type_: str, name_prefix: str) -> dict:
    return next(
        r["values"]
        for r in doc["planned_values"]["root_module"]["resources"]
        if r["type"] == type_ and r["name"].startswith(name_prefix)
    )


def set_actions(type_: str, prefix: str, actions: list[str], before: dict | None = None):
    def edit(doc: dict) -> None:
        change = change_of(doc, type_, prefix)["change"]
        change["actions"], change["before"] = actions, before or change["after"]

    return edit


def set_value(type_: str, prefix: str, key: str, value):
    def edit(doc: dict) -> None:
        for values in (planned(doc, type_, prefix), change_of(doc, type_, prefix)["change"]["after"]):
            values[key] = value

    return edit


@pytest.mark.parametrize(
    "stack,edit,check,path",
    [
        ("platform", set_actions("aws_kms_key", "audit-key", ["delete"]), "MLZ_PLAN_1", "platform/audit-key/key"),
        (
            "platform",
            set_actions("aws_s3_bucket", "audit_bucket", ["delete", "create"], {"object_lock_enabled": True}),
            "MLZ_PLAN_1",
            "platform/audit/audit/bucket",
        ),
        ("platform", set_actions("aws_cloudtrail", "audit_trail", ["delete"]), "MLZ_PLAN_1", "platform/audit/trail"),
        (
            "platform",
            set_actions("aws_s3_bucket_object_lock_configuration", "audit_object-lock", ["delete"]),
            "MLZ_PLAN_1",
            "platform/audit/audit/object-lock",
        ),
        (
            "platform",
            set_value("aws_kms_key", "data-key", "enable_key_rotation", False),
            "CKV_MLZ_10",
            "platform/data-key/key",
        ),
        (
            "platform",
            set_value("aws_cloudtrail", "audit_trail", "is_multi_region_trail", False),
            "CKV_MLZ_8",
            "platform/audit/trail",
        ),
        (
            "fraud-detection",
            set_value("aws_sagemaker_notebook_instance", "notebook-alice", "root_access", "Enabled"),
            "CKV_MLZ_44",
            "fraud-detection/notebook-alice/instance",
        ),
        (
            "fraud-detection",
            set_value("aws_ecr_repository", "model-fraud-scorer", "image_tag_mutability", "MUTABLE"),
            "CKV_MLZ_18",
            "fraud-detection/model-fraud-scorer/repository",
        ),
        (
            "fraud-detection",
            set_value(
                "aws_iam_role_policy",
                "notebook-alice_role_policy",
                "policy",
                json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}],
                    }
                ),
            ),
            "CKV_MLZ_31",
            "fraud-detection/notebook-alice/role/policy",
        ),
        (
            "platform",
            set_value(
                "aws_kms_key",
                "data-key",
                "policy",
                json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                                "Action": "kms:*",
                                "Resource": "*",
                            }
                        ],
                    }
                ),
            ),
            "CKV_MLZ_38",
            "platform/data-key/key",
        ),
    ],
    ids=[
        "delete key",
        "replace audit bucket",
        "delete trail",
        "delete object lock",
        "rotation off",
        "single-region trail",
        "notebook root",
        "mutable ECR",
        "PassRole on *",
        "key for another account",
    ],
)
def test_the_plan_gate_blocks(plans: dict[str, Path], tmp_path: Path, stack: str, edit, check: str, path: str) -> None:
    result = run_gate([mutated(plans[stack], tmp_path, edit)])
    assert (check, path) in {(f.check_id, f.path) for f in result.failed}, report.lines(result)
