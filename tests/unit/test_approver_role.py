"""The approver role: assumable only by the project's named approvers, may set a version's status on the
project's own package groups and write approval records; no project role may update a version."""

from __future__ import annotations

import json

from cdktf import Testing

from mlzone.synth import synthesize
from modules.waivers import waivers_of
from stacks.project_stack import ProjectStack
from stacks.target import Target
from tests.conftest import ROOT, resources, synth

APPROVERS = (
    "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ModelApprover_0123",
    "arn:aws:iam::123456789012:user/risk-lead",
)


def test_the_approver_role_is_the_only_one_that_updates_versions(zone) -> None:
    project = zone.projects[[p.name for p in zone.projects].index("fraud-detection")]
    stack = ProjectStack(Testing.app(), zone.platform, project.model_copy(update={"approvers": APPROVERS}), Target())
    doc = synth(stack)
    roles = resources(doc, "aws_iam_role")
    [approver] = [r for r in roles.values() if r["name"] == "fraud-detection--approver"]
    assert approver["path"] == "/mlzone-approval/" and "permissions_boundary" not in approver
    trust = json.loads(approver["assume_role_policy"])["Statement"]
    assert trust == [{"Effect": "Allow", "Principal": {"AWS": list(APPROVERS)}, "Action": "sts:AssumeRole"}]
    updaters = {}
    for logical, policy in resources(doc, "aws_iam_role_policy").items():
        for st in json.loads(policy["policy"])["Statement"]:
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            if "sagemaker:UpdateModelPackage" in actions:
                updaters[logical] = st["Resource"]
    assert len(updaters) == 1 and next(iter(updaters)).startswith("approver-role"), updaters
    assert (
        next(iter(updaters.values())) == "arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud-detection--*/*"
    )
    assert doc["output"]["approver_role_arn"]
    [policy] = [p for i, p in resources(doc, "aws_iam_role_policy").items() if i.startswith("approver-role")]
    statements = {st["Sid"]: st for st in json.loads(policy["policy"])["Statement"]}
    assert statements["ApprovalRecordsKey"] == {
        "Sid": "ApprovalRecordsKey",
        "Effect": "Allow",
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": "${data.terraform_remote_state.platform.outputs.audit_key_arn}",
    }, "the audit key encrypts the approval records it writes"
    trusted = [w["checks"] for w in waivers_of(stack) if w["path"].endswith("approver-role/role")]
    assert trusted == [["CKV_MLZ_22"]], "its trust names people, by design, with the reason recorded"


def test_a_project_with_approvers_passes_gate_1(tmp_path) -> None:
    """Its trust names people, which CKV_MLZ_22 refuses for every other role: the construct waives it, with why."""
    (tmp_path / "projects").mkdir()
    (tmp_path / "platform.yaml").write_text((ROOT / "platform.yaml").read_text())
    spec = (ROOT / "projects" / "fraud-detection.yaml").read_text()
    (tmp_path / "projects" / "fraud-detection.yaml").write_text(spec + f"approvers: {json.dumps(list(APPROVERS))}\n")
    synthesize(tmp_path, outdir=tmp_path / "out")  # raises GateError when gate 1 blocks
    project = tmp_path / "out" / "stacks" / "fraud-detection"
    waived = json.loads((project / "cdk.tf.json").read_text())["//"]["mlzone"]["waivers"]
    assert [w["path"] for w in waived if w["checks"] == ["CKV_MLZ_22"]] == ["fraud-detection/approver-role/role"]


def test_no_approvers_no_approver_role(example_synth) -> None:
    names = [r["name"] for r in resources(example_synth["fraud-detection"], "aws_iam_role").values()]
    assert "fraud-detection--approver" not in names
