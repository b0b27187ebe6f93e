"""Endpoint: isolated model in the VPC, KMS, unified data capture, autoscaling."""

from __future__ import annotations

import pytest

from modules.endpoint import Endpoint, EndpointProps
from tests.conftest import only, synth
from tests.unit.project_scope import GROUPS, KEY, PLATFORM_KEY, actions, scope, stack, statements

pytestmark = pytest.mark.unit
REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team-a/scorer"


def endpoint(**fields) -> dict:
    s = stack()
    Endpoint(s, "endpoint-api", EndpointProps(project=scope(), name="api", image_uri=REPO, **fields))
    return synth(s)


@pytest.fixture(scope="module")
def doc() -> dict:
    return endpoint(capture_percent=25, min_instances=2, max_instances=5, image_tag="2.1.0")


def test_model_is_isolated_in_the_vpc(doc):
    model = only(doc, "aws_sagemaker_model")
    assert model["enable_network_isolation"] is True
    assert model["primary_container"]["image"] == f"{REPO}:2.1.0"
    assert model["vpc_config"] == {"subnets": ["subnet-1", "subnet-2"], "security_group_ids": [GROUPS["models"]]}
    assert "lifecycle" not in model  # nothing ignored unless the local target asks


def test_capture_in_the_unified_layout(doc):
    config = only(doc, "aws_sagemaker_endpoint_configuration")
    assert config["kms_key_arn"] == KEY
    capture = config["data_capture_config"]
    assert capture["enable_capture"] is True and capture["initial_sampling_percentage"] == 25
    assert capture["destination_s3_uri"] == "s3://acme-predictions/team-a/"  # + <endpoint-name>/AllTraffic/...
    assert capture["kms_key_id"] == PLATFORM_KEY
    assert [o["capture_mode"] for o in capture["capture_options"]] == ["Input", "Output"]
    assert config["production_variants"][0]["initial_instance_count"] == 2


def test_autoscaling(doc):
    target = only(doc, "aws_appautoscaling_target")
    assert (target["min_capacity"], target["max_capacity"]) == (2, 5)
    assert target["resource_id"] == "endpoint/team-a--api/variant/AllTraffic"
    policy = only(doc, "aws_appautoscaling_policy")
    assert policy["policy_type"] == "TargetTrackingScaling"
    metric = policy["target_tracking_scaling_policy_configuration"]["predefined_metric_specification"]
    assert metric["predefined_metric_type"] == "SageMakerVariantInvocationsPerInstance"


def test_role_writes_only_its_own_captures(doc):
    st = statements(doc, "endpoint-api_role_policy")
    assert st["WriteCaptures"]["Resource"] == "arn:aws:s3:::acme-predictions/team-a/team-a--api/*"
    assert not any("s3:GetObject" in actions(s) for s in st.values())  # cannot read captures back
    assert only(doc, "aws_iam_role")["permissions_boundary"].endswith("team-a--boundary")


def test_capture_zero_disables_capture():
    capture = only(endpoint(capture_percent=0), "aws_sagemaker_endpoint_configuration")["data_capture_config"]
    assert capture["enable_capture"] is False


def test_no_target_ignores_changes_to_network_isolation(example_synth):
    model = only(example_synth["fraud-detection"], "aws_sagemaker_model")
    assert model["enable_network_isolation"] is True
    assert "lifecycle" not in model
    assert model["primary_container"]["image"].startswith("${aws_ecr_repository.model-fraud-scorer_repository_")


@pytest.mark.parametrize(("fields", "match"), [
    ({"capture_percent": 101}, r"capture_percent=101; fix: use 0 to 100"),
    ({"min_instances": 3, "max_instances": 2}, r"min_instances=3, max_instances=2"),
    ({"image_tag": "latest"}, r"image tag 'latest' is mutable"),
])
def test_validation(fields, match):
    with pytest.raises(ValueError, match=match):
        EndpointProps(project=scope(), name="api", image_uri=REPO, **fields)
