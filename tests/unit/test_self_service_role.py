"""The self-service role (modules/self_service_role.py), synthesized in the project stack: only the members
may assume it; it carries the guardrails IAM can express and reaches only the project's self-service
state; the policy checks CKV_MLZ_52-57 pass it, and fail it once a condition is dropped."""

from __future__ import annotations

import json

import pytest
import yaml
from cdktf import Testing

from mlzone.gate import checkov_scan
from stacks.project_stack import ProjectStack
from stacks.spec import load_zone
from stacks.target import Target
from tests.conftest import resources, synth
from tests.unit.self_service_zone import GUARDRAILS, MEMBER, PROJECT, make_zone

pytestmark = pytest.mark.unit
ACCOUNT = "210987654321"
CONDITION_CHECKS = ("CKV_MLZ_52", "CKV_MLZ_53", "CKV_MLZ_54", "CKV_MLZ_55", "CKV_MLZ_56", "CKV_MLZ_57")


@pytest.fixture(scope="module")
def aws_doc(tmp_path_factory) -> dict:
    """The project stack on the aws target (a state bucket and an account)."""
    root = make_zone(tmp_path_factory.mktemp("zone"))
    platform = yaml.safe_load((root / "platform.yaml").read_text())
    platform |= {"account_id": ACCOUNT, "state_bucket": "acme-ml-tfstate"}
    (root / "platform.yaml").write_text(yaml.safe_dump(platform))
    zone = load_zone(root)
    project = next(p for p in zone.projects if p.name == PROJECT)
    return synth(ProjectStack(Testing.app(), zone.platform, project, Target(kind="aws")))


def role_of(doc: dict) -> tuple[dict, list[dict]]:
    [role] = [r for r in resources(doc, "aws_iam_role").values() if r["name"] == f"{PROJECT}--self-service"]
    [policy] = [p for k, p in resources(doc, "aws_iam_role_policy").items() if k.startswith("self-service-role")]
    return role, json.loads(policy["policy"])["Statement"]


def statement(statements: list[dict], sid: str) -> dict:
    return next(s for s in statements if s.get("Sid") == sid)


def test_only_the_members_assume_it_outside_the_project_path(aws_doc) -> None:
    role, _ = role_of(aws_doc)
    assert role["path"] == "/mlzone-self-service/"
    trust = json.loads(role["assume_role_policy"])["Statement"]
    assert trust == [{"Effect": "Allow", "Principal": {"AWS": [MEMBER]}, "Action": "sts:AssumeRole"}]
    assert aws_doc["output"]["self_service_role_arn"]


def test_notebooks_only_inside_the_guardrails(aws_doc) -> None:
    _, statements = role_of(aws_doc)
    create = statement(statements, "NotebooksInsideGuardrails")
    assert create["Action"] == "sagemaker:CreateNotebookInstance"
    assert create["Resource"] == f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:notebook-instance/{PROJECT}--*"
    condition = create["Condition"]
    assert (
        condition["ForAllValues:StringEquals"]["sagemaker:InstanceTypes"] == GUARDRAILS["notebooks"]["instance_types"]
    )
    subnets = condition["ForAllValues:StringEquals"]["sagemaker:VpcSubnets"]
    assert len(subnets) == 2 and all("subnet_ids" in s for s in subnets)  # the platform's, from its state
    assert condition["Null"] == {"sagemaker:VpcSubnets": "false"}
    equals = condition["StringEquals"]
    assert equals["sagemaker:DirectInternetAccess"] == "Disabled" and equals["sagemaker:RootAccess"] == "Disabled"
    assert equals["sagemaker:VolumeKmsKey"].startswith("${aws_kms_key.") and equals["aws:RequestTag/project"] == PROJECT


def test_clusters_only_tagged_for_the_project_and_roles_only_bounded(aws_doc) -> None:
    _, statements = role_of(aws_doc)
    run = statement(statements, "ClustersTaggedForTheProject")
    assert run["Condition"] == {"StringEquals": {"aws:RequestTag/project": PROJECT}}
    later = statement(statements, "ProjectClusters")
    assert later["Condition"] == {"StringEquals": {"elasticmapreduce:ResourceTag/project": PROJECT}}
    roles = statement(statements, "BoundedProjectRoles")
    assert roles["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/mlzone/{PROJECT}/*"
    assert roles["Condition"]["StringEquals"]["iam:PermissionsBoundary"].startswith("${aws_iam_policy.")
    passes = [s for s in statements if "iam:PassRole" in str(s["Action"])]
    assert passes and all(s["Condition"]["StringEquals"]["iam:PassedToService"] for s in passes)


def test_state_only_the_self_service_stack_and_its_lock(aws_doc) -> None:
    _, statements = role_of(aws_doc)
    bucket = "arn:aws:s3:::acme-ml-tfstate"
    writes = [s for s in statements if "s3:PutObject" in s["Action"] and bucket in str(s["Resource"])]
    assert sorted(s["Resource"] for s in writes) == [
        f"{bucket}/mlzone/{PROJECT}-self-service.tfstate",
        f"{bucket}/mlzone/{PROJECT}-self-service.tfstate.tflock",
    ]
    reads = statement(statements, "ReadStates")
    assert reads["Action"] == "s3:GetObject"
    assert reads["Resource"] == [f"{bucket}/mlzone/platform.tfstate", f"{bucket}/mlzone/{PROJECT}.tfstate"]


def test_the_condition_checks_pass_the_role_and_fail_it_without_a_condition(aws_doc, tmp_path) -> None:
    """The real gate on the real role; then the same file with the instance-type condition removed."""
    policies = {k: v for k, v in resources(aws_doc, "aws_iam_role_policy").items() if k.startswith("self-service")}
    fixture = {"//": {"metadata": {"stackName": PROJECT}}, "resource": {"aws_iam_role_policy": policies}}
    good = tmp_path / "good.tf.json"
    good.write_text(json.dumps(fixture))
    passed, failed, errors = checkov_scan.scan(good, "synth", checks=list(CONDITION_CHECKS))
    assert not errors and not [r.check_id for r in failed]
    assert {r.check_id for r in passed} == set(CONDITION_CHECKS)

    [(logical, policy)] = policies.items()
    doc = json.loads(policy["policy"])
    create = next(s for s in doc["Statement"] if s.get("Sid") == "NotebooksInsideGuardrails")
    del create["Condition"]["ForAllValues:StringEquals"]["sagemaker:InstanceTypes"]
    bad = tmp_path / "bad.tf.json"
    bad.write_text(
        json.dumps({**fixture, "resource": {"aws_iam_role_policy": {logical: {**policy, "policy": json.dumps(doc)}}}})
    )
    _, failed, _ = checkov_scan.scan(bad, "synth", checks=list(CONDITION_CHECKS))
    assert {r.check_id for r in failed} == {"CKV_MLZ_52"}


def test_on_the_local_target_the_role_has_no_state_grants(tmp_path) -> None:
    zone = load_zone(make_zone(tmp_path))
    project = next(p for p in zone.projects if p.name == PROJECT)
    _, statements = role_of(synth(ProjectStack(Testing.app(), zone.platform, project, Target(kind="local"))))
    assert not [s for s in statements if "tfstate" in json.dumps(s)]
    assert statement(statements, "NotebooksInsideGuardrails")
