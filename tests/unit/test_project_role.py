"""Project roles and the project boundary: bounded, service-trusted, never '*'."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from modules.project_role import ProjectBoundary, ProjectBoundaryProps, ProjectRole, ProjectRoleProps
from tests.conftest import only, synth
from tests.unit.project_scope import BOUNDARY, actions, scope, stack

pytestmark = pytest.mark.unit


def test_role_is_bounded_and_trusts_one_service():
    s = stack()
    ProjectRole(
        s,
        "job",
        ProjectRoleProps(
            project=scope(),
            name="job",
            service="emr-serverless.amazonaws.com",
            statements=tuple(scope().data_statements(write=False)),
        ),
    )
    role = only(synth(s), "aws_iam_role")
    assert (role["name"], role["path"], role["permissions_boundary"]) == ("team-a--job", "/mlzone/team-a/", BOUNDARY)
    (trust,) = json.loads(role["assume_role_policy"])["Statement"]
    assert trust["Principal"] == {"Service": "emr-serverless.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_boundary_stays_inside_the_project():
    s = stack()
    ProjectBoundary(s, "boundary", ProjectBoundaryProps(project=replace(scope(), boundary_arn="")))
    policy = only(synth(s), "aws_iam_policy")
    assert (policy["name"], policy["path"]) == ("team-a--boundary", "/mlzone/team-a/")
    st = {x["Sid"]: x for x in json.loads(policy["policy"])["Statement"]}
    assert st["DataObjects"]["Resource"] == "arn:aws:s3:::acme-data/team-a/*"
    assert st["CapturesObjects"]["Resource"] == "arn:aws:s3:::acme-predictions/team-a/*"
    assert st["EmrLogsObjects"]["Resource"] == "arn:aws:s3:::acme-emr-logs/team-a/*"
    assert st["ProjectEndpoints"]["Resource"].endswith(":endpoint/team-a--*")
    assert st["ProjectSparkClusters"]["Condition"] == {"StringEquals": {"aws:ResourceTag/project": "team-a"}}
    assert st["PassProjectRoles"]["Resource"] == "arn:aws:iam::123456789012:role/mlzone/team-a/*"
    assert all(a != "*" and not a.endswith(":*") for x in st.values() for a in actions(x))
    assert "Mlflow" not in st  # experiment tracking off in this scope
    logs = "arn:aws:logs:eu-west-1:123456789012:log-group:"
    assert st["Logs"]["Resource"] == [
        f"{logs}/aws/sagemaker/Endpoints/team-a--*",
        f"{logs}/aws/codebuild/team-a--*",
        f"{logs}/mlzone/team-a/*",
    ]  # no account-wide /aws/sagemaker/ or /aws/emr-serverless/
    assert st["OwnLogStreams"]["Resource"] == f"{logs}/aws/sagemaker/NotebookInstances:log-stream:team-a--*"
    assert st["VpcProjectSecurityGroups"]["Condition"] == {"StringEquals": {"ec2:ResourceTag/project": "team-a"}}
    assert not any(r.endswith("security-group/*") for r in st["VpcInterfaces"]["Resource"])


def test_role_rules():
    with pytest.raises(ValueError, match="no boundary_arn; fix: build a ProjectBoundary first"):
        ProjectRoleProps(
            project=replace(scope(), boundary_arn=""), name="x", service="sagemaker.amazonaws.com", statements=()
        )
    with pytest.raises(ValueError, match="allow_no_boundary_reason needs a real reason"):
        ProjectRoleProps(
            project=scope(),
            name="x",
            service="sagemaker.amazonaws.com",
            statements=(),
            allow_no_boundary_reason="because",
        )
    with pytest.raises(ValueError, match=r"allows every action \('\*'\); fix: list the actions"):
        ProjectRoleProps(
            project=scope(),
            name="x",
            service="sagemaker.amazonaws.com",
            statements=({"Effect": "Allow", "Action": "*", "Resource": "*"},),
        )
    with pytest.raises(ValueError, match=r"'team-a--x{60}' is 68 characters, over the 64-character AWS limit"):
        scope().resource_name("x" * 60)
