"""Experiment tracking: managed MLflow with an encrypted artifact store and a role scoped to it."""

from __future__ import annotations

import json

import pytest
from cdktf import Testing

from stacks.app import build_stacks
from stacks.spec import ExperimentTrackingSpec, Zone
from stacks.target import Target
from tests.conftest import only, resources, synth

pytestmark = pytest.mark.unit


def test_tracking_server(platform):
    server = only(platform, "aws_sagemaker_mlflow_tracking_server")
    assert server["tracking_server_name"] == "acme-ml-mlflow"
    assert server["tracking_server_size"] == "Small"
    assert server["artifact_store_uri"] == "s3://acme-ml-mlflow-eu-west-1/"
    assert server["automatic_model_registration"] is False  # models go to the projects' own groups


def test_artifact_store_is_an_encrypted_platform_bucket(platform):
    (bucket_id,) = [i for i, b in resources(platform, "aws_s3_bucket").items() if b["bucket"] == "acme-ml-mlflow-eu-west-1"]
    (sse,) = [r for r in resources(platform, "aws_s3_bucket_server_side_encryption_configuration").values()
              if r["bucket"] == "${aws_s3_bucket." + bucket_id + ".id}"]
    default = sse["rule"][0]["apply_server_side_encryption_by_default"]
    assert default["sse_algorithm"] == "aws:kms" and default["kms_master_key_id"].startswith("${aws_kms_key.data-key_")


def test_role_reaches_only_the_artifact_store(platform):
    (policy,) = [json.loads(r["policy"]) for i, r in resources(platform, "aws_iam_role_policy").items()
                 if i.startswith("experiment-tracking_")]
    resources_ = [s["Resource"] for s in policy["Statement"]]
    assert resources_[:2] == ["arn:aws:s3:::acme-ml-mlflow-eu-west-1/*", "arn:aws:s3:::acme-ml-mlflow-eu-west-1"]
    assert resources_[2].startswith("${aws_kms_key.data-key_")


def test_projects_get_access_through_their_roles(example_synth):
    boundary = json.loads(only(example_synth["fraud-detection"], "aws_iam_policy")["policy"])
    st = {s["Sid"]: s for s in boundary["Statement"]}
    assert st["Mlflow"]["Resource"] == "${data.terraform_remote_state.platform.outputs.tracking_server_arn}"
    assert st["MlflowArtifactsObjects"]["Resource"].endswith("/fraud-detection/*")


def test_disabled_tracking_builds_nothing(zone):
    platform = zone.platform.model_copy(update={"experiment_tracking": ExperimentTrackingSpec(enabled=False)})
    app = build_stacks(Testing.app(), Zone(zone.root, platform, zone.projects), Target())
    doc = synth(app.node.find_child("platform"))
    assert not resources(doc, "aws_sagemaker_mlflow_tracking_server")
    assert "tracking_server_arn" not in doc["output"]
    project = json.dumps(synth(app.node.find_child("fraud-detection")))
    assert "tracking_server_arn" not in project and "sagemaker-mlflow" not in project
