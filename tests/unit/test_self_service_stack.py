"""Synth tests: the self-service stack and the project budget, and what makes them secure."""

from __future__ import annotations

import json

import pytest

from mlzone.synth import synthesize
from stacks.target import Target
from tests.unit.self_service_zone import PROJECT, make_zone

pytestmark = pytest.mark.unit

REQUESTS = {
    "clusters": [{"name": "eda", "size": "small", "idle_minutes": 30}],
    "notebooks": [{"name": "bob", "instance_type": "ml.m5.xlarge"}],
}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    """The zone synthesized with gate 1 on: a stack that broke a policy would raise here."""
    zone = make_zone(tmp_path_factory.mktemp("zone"), REQUESTS)
    stacks = synthesize(zone, outdir=zone / "cdktf.out", target=Target(kind="local"))
    return {s.name: json.loads((s / "cdk.tf.json").read_text()) for s in stacks}


def resources(doc, kind):
    return list(doc["resource"].get(kind, {}).values())


def test_requests_render_in_their_own_stack_only(synthesized):
    assert f"{PROJECT}-self-service" in synthesized
    project, ss = synthesized[PROJECT], synthesized[f"{PROJECT}-self-service"]
    names = {c["name"] for c in resources(ss, "aws_emr_cluster")}
    assert names == {f"{PROJECT}--eda"}
    assert f"{PROJECT}--eda" not in {c["name"] for c in resources(project, "aws_emr_cluster")}
    assert {n["name"] for n in resources(ss, "aws_sagemaker_notebook_instance")} == {f"{PROJECT}--bob"}
    # the request's backend is its own state file: applying it never touches the project's state
    assert ss["terraform"]["backend"]["local"]["path"].endswith(f"{PROJECT}-self-service.tfstate")


def test_requested_cluster_is_the_preset_with_auto_termination_and_encryption(synthesized):
    ss = synthesized[f"{PROJECT}-self-service"]
    [cluster] = resources(ss, "aws_emr_cluster")
    assert cluster["auto_termination_policy"]["idle_timeout"] == 30 * 60
    assert cluster["master_instance_group"]["instance_type"] == "m5.xlarge"
    assert cluster["core_instance_group"]["instance_count"] == 1
    [config] = resources(ss, "aws_emr_security_configuration")
    enc = json.loads(config["configuration"])["EncryptionConfiguration"]
    assert enc["EnableAtRestEncryption"] and enc["EnableInTransitEncryption"]
    assert "terraform_remote_state.fraud-detection.outputs.data_key_arn" in json.dumps(enc)  # the project key


def test_requested_notebook_is_private_and_encrypted_with_the_project_key(synthesized):
    [nb] = resources(synthesized[f"{PROJECT}-self-service"], "aws_sagemaker_notebook_instance")
    assert nb["direct_internet_access"] == "Disabled" and nb["root_access"] == "Disabled"
    assert "fraud-detection.outputs.data_key_arn" in nb["kms_key_id"]
    assert nb["instance_type"] == "ml.m5.xlarge" and nb["lifecycle_config_name"]


def test_every_self_service_resource_is_tagged_and_roles_are_bounded(synthesized):
    ss = synthesized[f"{PROJECT}-self-service"]
    for kind in ("aws_emr_cluster", "aws_sagemaker_notebook_instance", "aws_security_group"):
        for r in resources(ss, kind):
            assert r["tags"]["project"] == PROJECT and r["tags"]["managed-by"] == "mlzone"
    roles = resources(ss, "aws_iam_role")
    bounded = [r for r in roles if r.get("permissions_boundary")]
    assert all("fraud-detection.outputs.boundary_arn" in r["permissions_boundary"] for r in bounded)
    assert len(bounded) == len(roles) - 1  # the EMR service role alone: AWS-managed, tag-scoped policy


def test_budget_filters_on_the_project_tag_and_notifies_through_an_encrypted_topic(synthesized):
    project = synthesized[PROJECT]
    [budget] = resources(project, "aws_budgets_budget")
    assert budget["limit_amount"] == "2000" and budget["time_unit"] == "MONTHLY"
    assert budget["cost_filter"] == [{"name": "TagKeyValue", "values": [f"user:project${PROJECT}"]}]
    thresholds = {(n["notification_type"], n["threshold"]) for n in budget["notification"]}
    assert thresholds == {("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100)}
    [topic] = resources(project, "aws_sns_topic")
    assert "aws_kms_key" in topic["kms_master_key_id"]
    [policy] = resources(project, "aws_sns_topic_policy")
    statements = json.loads(policy["policy"])["Statement"]
    publish = next(s for s in statements if s["Effect"] == "Allow")
    assert publish["Principal"] == {"Service": "budgets.amazonaws.com"} and publish["Condition"]["StringEquals"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )
    [key] = resources(project, "aws_kms_key")
    grant = next(
        s for s in json.loads(key["policy"])["Statement"] if s.get("Principal") == {"Service": "budgets.amazonaws.com"}
    )
    assert grant["Condition"]["ArnLike"]["aws:SourceArn"].endswith(f":budget/{PROJECT}--budget")


def test_projects_without_guardrails_get_no_budget_and_no_self_service_stack(synthesized):
    assert "churn-self-service" not in synthesized
    assert "aws_budgets_budget" not in synthesized["churn"]["resource"]
