"""Model registry: immutable, scanned, encrypted images; sharing is explicit and read-only."""

from __future__ import annotations

import json

import pytest

from modules.model_registry import ModelRegistry, ModelRegistryProps
from tests.conftest import only, resources, synth
from tests.unit.project_scope import KEY, scope, stack

pytestmark = pytest.mark.unit
DEPLOY = "arn:aws:iam::123456789012:role/mlzone/team-a/team-a--deploy"


def registry(**fields) -> dict:
    s = stack()
    ModelRegistry(
        s, "model-scorer", ModelRegistryProps(project=scope(), model="scorer", deploy_role_arn=DEPLOY, **fields)
    )
    return synth(s)


def test_repository_is_immutable_scanned_and_encrypted():
    repo = only(registry(), "aws_ecr_repository")
    assert repo["name"] == "team-a/scorer"
    assert repo["image_tag_mutability"] == "IMMUTABLE"
    assert repo["image_scanning_configuration"] == {"scan_on_push": True}
    assert repo["encryption_configuration"] == [{"encryption_type": "KMS", "kms_key": KEY}]


def test_repository_policy_allows_only_project_roles_and_deploy_role():
    doc = registry(share_with=("team-b",))
    st = {s["Sid"]: s for s in json.loads(only(doc, "aws_ecr_repository_policy")["policy"])["Statement"]}
    project = "arn:aws:iam::123456789012:role/mlzone/team-a/*"
    reader = "arn:aws:iam::123456789012:role/mlzone/team-b/*"
    assert st["DenyPushOutsideProject"]["Effect"] == "Deny"
    assert st["DenyPushOutsideProject"]["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": [project, DEPLOY]}}
    assert st["DenyPullOutsideProject"]["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": [project, DEPLOY, reader]}}
    assert st["AllowPush"]["Condition"]["ArnLike"]["aws:PrincipalArn"] == [project, DEPLOY]  # readers never push
    assert all(a.startswith("ecr:") and "*" not in a for s in st.values() for a in s["Action"])


def test_group_is_private_unless_shared():
    assert only(registry(), "aws_sagemaker_model_package_group")["model_package_group_name"] == "team-a--scorer"
    assert not resources(registry(), "aws_sagemaker_model_package_group_policy")


def test_share_with_grants_read_to_named_projects_only():
    doc = registry(share_with=("team-b",))
    (st,) = json.loads(only(doc, "aws_sagemaker_model_package_group_policy")["resource_policy"])["Statement"]
    assert st["Condition"] == {"ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::123456789012:role/mlzone/team-b/*"]}}
    assert set(st["Action"]) == {
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:DescribeModelPackage",
        "sagemaker:ListModelPackages",
    }


def test_cannot_share_with_itself():
    with pytest.raises(ValueError, match="share_with names its own project"):
        ModelRegistryProps(project=scope(), model="scorer", deploy_role_arn=DEPLOY, share_with=("team-a",))


def test_example_sharing_reaches_both_sides(example_synth):
    churn = example_synth["churn"]
    (st,) = json.loads(only(churn, "aws_sagemaker_model_package_group_policy")["resource_policy"])["Statement"]
    assert st["Condition"]["ArnLike"]["aws:PrincipalArn"] == ["arn:aws:iam::123456789012:role/mlzone/fraud-detection/*"]
    fraud_policies = json.dumps(
        [r["policy"] for r in resources(example_synth["fraud-detection"], "aws_iam_role_policy").values()]
    )
    assert "model-package-group/churn--churn-model" in fraud_policies  # the reader's identity side
    churn_policies = json.dumps([r["policy"] for r in resources(churn, "aws_iam_role_policy").values()])
    assert "fraud-detection" not in churn_policies  # nothing flows the other way
