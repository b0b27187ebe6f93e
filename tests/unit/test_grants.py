"""The grants layer (modules/grants.py) and ServiceRole (modules/service_role.py): a prefix grant brings
its key, pass-role names one service, logs stay on their groups, every service role trusts for our account."""

from __future__ import annotations

import json

import pytest

from modules.grants import (
    KEY_DECRYPT,
    KEY_READ_WRITE,
    OBJECT_READ,
    OBJECT_WRITE,
    grant_ecr_pull,
    grant_log_groups,
    grant_pass_role,
    grant_prefix,
)
from modules.service_role import ServiceRole, ServiceRoleProps
from tests.conftest import only, resources, synth
from tests.unit.project_scope import KEY, scope, stack

pytestmark = pytest.mark.unit
ACCOUNT = "123456789012"


def by_sid(statements: list[dict]) -> dict[str, dict]:
    return {s["Sid"]: s for s in statements}


def test_reading_a_prefix_grants_decrypt_of_its_key_and_lists_that_prefix_only():
    st = by_sid(grant_prefix("Data", "acme-data", "team-a", OBJECT_READ, key_arn=KEY))
    assert st["DataObjects"]["Resource"] == "arn:aws:s3:::acme-data/team-a/*"
    assert st["DataList"]["Condition"] == {"StringLike": {"s3:prefix": ["team-a/*", "team-a/"]}}
    assert (st["DataKey"]["Action"], st["DataKey"]["Resource"]) == (list(KEY_DECRYPT), KEY)


def test_writing_a_prefix_grants_data_keys_and_no_key_without_key_arn():
    st = by_sid(grant_prefix("Out", "b", "p/out", (*OBJECT_READ, *OBJECT_WRITE), key_arn=KEY, key_sid="OutKey"))
    assert st["OutKey"]["Action"] == list(KEY_READ_WRITE)
    assert [s["Sid"] for s in grant_prefix("Out", "b", "p", OBJECT_READ)] == ["OutObjects", "OutList"]


def test_project_grants_name_the_projects_prefix_key_and_roles():
    p = scope()
    st = by_sid(p.data_statements(write=False))
    assert st["DataObjects"]["Resource"] == "arn:aws:s3:::acme-data/team-a/*"
    assert st["ProjectKey"]["Resource"] == KEY
    passing = p.pass_role_statement("emr-serverless.amazonaws.com")
    assert passing["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/mlzone/team-a/*"
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "emr-serverless.amazonaws.com"}}


def test_pass_role_is_for_one_service_and_single_actions_stay_strings():
    st = grant_pass_role("Pass", "arn:aws:iam::1:role/mlzone/p/p--job", "ec2.amazonaws.com")
    assert st["Action"] == "iam:PassRole"
    assert st["Condition"] == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    pull = grant_ecr_pull("Pull", "arn:aws:ecr:r:1:repository/p/*", push=True)
    assert pull["Action"][-1] == "ecr:CompleteLayerUpload"


def test_log_grants_cover_exact_groups_and_their_streams_but_patterns_only_as_given():
    st = grant_log_groups("Logs", ["arn:g:/a", "arn:g:/b/p--*"])
    assert st["Resource"] == ["arn:g:/a", "arn:g:/a:log-stream:*", "arn:g:/b/p--*"]


def test_service_role_trusts_one_service_for_our_account_and_source_and_keeps_ids_flat():
    s = stack()
    ServiceRole(
        s,
        "x-",
        ServiceRoleProps(
            name="x",
            service="vpc-flow-logs.amazonaws.com",
            account_id=ACCOUNT,
            policy_name="write",
            source_arn=f"arn:aws:ec2:eu-west-1:{ACCOUNT}:vpc-flow-log/*",
            statements=(grant_log_groups(None, ["arn:g:/a"]),),
        ),
    )
    doc = synth(s)
    assert list(resources(doc, "aws_iam_role")) == ["x-role"]  # no construct level of its own: stable logical ids
    role = only(doc, "aws_iam_role")
    (trust,) = json.loads(role["assume_role_policy"])["Statement"]
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:ec2:eu-west-1:{ACCOUNT}:vpc-flow-log/*"},
    }
    assert only(doc, "aws_iam_role_policy")["name"] == "write"


def test_every_example_role_trusts_its_service_for_our_account_only(example_synth):
    """The flow-log role had no account condition; EC2 (EMR instance roles) sends none, so it is the exception."""
    for name, doc in example_synth.items():
        for rid, role in resources(doc, "aws_iam_role").items():
            (trust,) = json.loads(role["assume_role_policy"])["Statement"]
            if trust["Principal"] == {"Service": "ec2.amazonaws.com"}:
                continue
            assert trust.get("Condition", {}).get("StringEquals") == {"aws:SourceAccount": ACCOUNT}, f"{name} {rid}"


def test_flow_log_role_trusts_only_this_accounts_flow_logs(platform):
    role = next(r for r in resources(platform, "aws_iam_role").values() if r["name"].endswith("-vpc-flow-logs"))
    (trust,) = json.loads(role["assume_role_policy"])["Statement"]
    assert trust["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws:ec2:eu-west-1:{ACCOUNT}:vpc-flow-log/*"}
