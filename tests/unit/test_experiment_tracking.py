"""Experiment tracking: a managed MLflow server per project (artifacts under its own prefix and key),
and the platform's shared server only as an explicit opt-out that confidential projects never use."""

from __future__ import annotations

import json
import re

import pytest
from cdktf import Testing

from stacks.app import build_stacks
from stacks.spec import Allow, ExperimentTrackingSpec, Zone
from stacks.target import Target
from tests.conftest import only, resources, synth

pytestmark = pytest.mark.unit
OWN_SERVER = "arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/fraud-detection--mlflow"
SHARED = "${data.terraform_remote_state.platform.outputs.tracking_server_arn}"


def boundary_statements(doc: dict) -> dict[str, dict]:
    return {s["Sid"]: s for s in json.loads(only(doc, "aws_iam_policy")["policy"])["Statement"]}


def policies_of(doc: dict) -> str:
    return json.dumps(
        [r["policy"] for t in ("aws_iam_role_policy", "aws_iam_policy") for r in resources(doc, t).values()]
    )


@pytest.fixture(scope="module")
def shared_zone(zone) -> dict[str, dict]:
    """The example with `allow_shared_server`: churn (internal) may share, fraud-detection (confidential) may not."""
    tracking = zone.platform.experiment_tracking.model_copy(
        update={"allow_shared_server": Allow(reason="internal projects of one team share experiments")}
    )
    platform = zone.platform.model_copy(update={"experiment_tracking": tracking})
    app = build_stacks(Testing.app(), Zone(zone.root, platform, zone.projects), Target())
    return {name: synth(app.node.find_child(name)) for name in ("platform", "fraud-detection", "churn")}


def test_every_project_gets_its_own_server(example_synth):
    doc = example_synth["fraud-detection"]
    server = only(doc, "aws_sagemaker_mlflow_tracking_server")
    assert server["tracking_server_name"] == "fraud-detection--mlflow"
    assert re.fullmatch(
        r"s3://\$\{aws_s3_bucket\.data-bucket_\w+\.bucket\}/fraud-detection/mlflow/", server["artifact_store_uri"]
    )  # the project's own data bucket (its own key)
    assert server["automatic_model_registration"] is False  # models go to the project's own groups
    assert not resources(example_synth["platform"], "aws_sagemaker_mlflow_tracking_server")  # nothing shared


def test_server_role_is_a_bounded_project_role_on_its_own_prefix_and_key(example_synth):
    doc = example_synth["fraud-detection"]
    (role,) = [r for r in resources(doc, "aws_iam_role").values() if r["name"] == "fraud-detection--mlflow"]
    assert role["path"] == "/mlzone/fraud-detection/" and role["permissions_boundary"].startswith("${aws_iam_policy.")
    (policy,) = [
        json.loads(r["policy"])
        for i, r in resources(doc, "aws_iam_role_policy").items()
        if i.startswith("experiment-tracking_")
    ]
    st = {s["Sid"]: s for s in policy["Statement"]}
    assert re.fullmatch(
        r"arn:aws:s3:::\$\{aws_s3_bucket\.data-bucket_\w+\.bucket\}/fraud-detection/mlflow/\*",
        st["ArtifactsObjects"]["Resource"],
    )
    assert st["ArtifactsList"]["Condition"]["StringLike"]["s3:prefix"] == [
        "fraud-detection/mlflow/*",
        "fraud-detection/mlflow/",
    ]
    assert st["ArtifactKey"]["Resource"].startswith("${aws_kms_key.data-key_")  # the project's key


def test_project_roles_are_granted_only_their_own_server(example_synth):
    st = boundary_statements(example_synth["fraud-detection"])
    assert st["Mlflow"]["Resource"] == OWN_SERVER
    assert st["MlflowArtifactsObjects"]["Resource"].endswith("/fraud-detection/mlflow/*")
    assert st["MlflowKey"]["Resource"].startswith("${aws_kms_key.data-key_")
    churn = policies_of(example_synth["churn"])
    assert "fraud-detection--mlflow" not in churn and "tracking_server_arn" not in churn
    assert "churn--mlflow" in churn  # churn has a notebook, so its own server


def test_shared_server_is_an_explicit_platform_option(shared_zone):
    platform = shared_zone["platform"]
    server = only(platform, "aws_sagemaker_mlflow_tracking_server")
    assert server["tracking_server_name"] == "acme-ml-mlflow"
    assert server["artifact_store_uri"] == "s3://acme-ml-mlflow-eu-west-1/"
    assert {"tracking_server_arn", "mlflow_bucket"} <= set(platform["output"])
    (bucket_id,) = [
        i for i, b in resources(platform, "aws_s3_bucket").items() if b["bucket"] == "acme-ml-mlflow-eu-west-1"
    ]
    (sse,) = [
        r
        for r in resources(platform, "aws_s3_bucket_server_side_encryption_configuration").values()
        if r["bucket"] == "${aws_s3_bucket." + bucket_id + ".id}"
    ]
    default = sse["rule"][0]["apply_server_side_encryption_by_default"]
    assert default["sse_algorithm"] == "aws:kms" and default["kms_master_key_id"].startswith("${aws_kms_key.data-key_")
    (policy,) = [
        json.loads(r["policy"])
        for i, r in resources(platform, "aws_iam_role_policy").items()
        if i.startswith("experiment-tracking_")
    ]
    resources_ = [s["Resource"] for s in policy["Statement"]]
    assert resources_[:2] == ["arn:aws:s3:::acme-ml-mlflow-eu-west-1/*", "arn:aws:s3:::acme-ml-mlflow-eu-west-1"]


def test_confidential_projects_never_use_the_shared_server(shared_zone):
    churn = boundary_statements(shared_zone["churn"])  # internal: shares, artifacts under its own prefix
    assert churn["Mlflow"]["Resource"] == SHARED
    assert churn["MlflowArtifactsObjects"]["Resource"].endswith("/churn/*")
    assert not resources(shared_zone["churn"], "aws_sagemaker_mlflow_tracking_server")
    fraud = shared_zone["fraud-detection"]  # confidential: its own server even with the option on
    assert boundary_statements(fraud)["Mlflow"]["Resource"] == OWN_SERVER
    assert "tracking_server_arn" not in json.dumps(fraud["data"])


def test_disabled_tracking_builds_nothing(zone):
    platform = zone.platform.model_copy(update={"experiment_tracking": ExperimentTrackingSpec(enabled=False)})
    app = build_stacks(Testing.app(), Zone(zone.root, platform, zone.projects), Target())
    doc = synth(app.node.find_child("platform"))
    assert not resources(doc, "aws_sagemaker_mlflow_tracking_server")
    assert "tracking_server_arn" not in doc["output"]
    project = json.dumps(synth(app.node.find_child("fraud-detection")))
    assert "mlflow-tracking-server" not in project and "sagemaker-mlflow" not in project
