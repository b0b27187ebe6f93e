"""Endpoint: isolated model in the VPC, KMS, unified data capture, autoscaling."""

from __future__ import annotations

import pytest

from modules.endpoint import Endpoint, EndpointProps
from tests.conftest import only, resources, synth
from tests.unit.project_scope import GROUPS, KEY, PLATFORM_KEY, actions, scope, stack, statements

pytestmark = pytest.mark.unit
GROUP = "team-a--scorer"
PACKAGE = f"arn:aws:sagemaker:eu-west-1:123456789012:model-package/{GROUP}/3"
SERVING = (
    "aws_sagemaker_model",
    "aws_sagemaker_endpoint_configuration",
    "aws_sagemaker_endpoint",
    "aws_appautoscaling_target",
    "aws_appautoscaling_policy",
)


def endpoint(**fields) -> dict:
    s = stack()
    Endpoint(
        s, "endpoint-api", EndpointProps(project=scope(), name="api", package_group=GROUP, **{"version": 3, **fields})
    )
    return synth(s)


@pytest.fixture(scope="module")
def doc() -> dict:
    return endpoint(capture_percent=25, min_instances=2, max_instances=5)


def test_model_is_isolated_in_the_vpc(doc):
    model = only(doc, "aws_sagemaker_model")
    assert model["enable_network_isolation"] is True
    assert model["vpc_config"] == {"subnets": ["subnet-1", "subnet-2"], "security_group_ids": [GROUPS["models"]]}
    assert "ignore_changes" not in model["lifecycle"]  # nothing ignored unless the local target asks


def test_model_serves_the_registered_version(doc):
    container = only(doc, "aws_sagemaker_model")["primary_container"]
    assert container == {"model_package_name": PACKAGE}  # no image URI, no artifact URL of its own


def test_no_version_declares_no_serving_resources():
    doc = endpoint(version=None)
    assert not any(resources(doc, t) for t in SERVING)
    assert only(doc, "aws_iam_role")  # the role exists, ready for the first version


def test_names_change_with_content_and_replace_first(doc):
    model, config = only(doc, "aws_sagemaker_model"), only(doc, "aws_sagemaker_endpoint_configuration")
    assert model["name"].startswith("team-a--api-") and config["name"].startswith("team-a--api-")
    assert model["lifecycle"]["create_before_destroy"] and config["lifecycle"]["create_before_destroy"]
    assert config["production_variants"][0]["model_name"].startswith("${aws_sagemaker_model.")
    assert only(doc, "aws_sagemaker_endpoint")["name"] == "team-a--api"  # the endpoint itself keeps its name
    again = endpoint(capture_percent=25, min_instances=2, max_instances=5)
    assert only(again, "aws_sagemaker_endpoint_configuration")["name"] == config["name"]  # stable
    newer = endpoint(capture_percent=25, min_instances=2, max_instances=5, version=4)
    assert only(newer, "aws_sagemaker_model")["name"] != model["name"]
    assert only(newer, "aws_sagemaker_endpoint_configuration")["name"] != config["name"]
    wider = endpoint(capture_percent=50, min_instances=2, max_instances=5)
    assert only(wider, "aws_sagemaker_model")["name"] == model["name"]
    assert only(wider, "aws_sagemaker_endpoint_configuration")["name"] != config["name"]


def test_role_reads_only_the_project_model_artifacts(doc):
    st = statements(doc, "endpoint-api_role_policy")
    assert st["ReadModels"]["Resource"] == "arn:aws:s3:::acme-data/team-a/models/*"


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
    reads = [s for s in st.values() if "s3:GetObject" in actions(s)]  # cannot read captures back
    assert [s["Resource"] for s in reads] == ["arn:aws:s3:::acme-data/team-a/models/*"]
    assert only(doc, "aws_iam_role")["permissions_boundary"].endswith("team-a--boundary")


def test_capture_zero_disables_capture():
    capture = only(endpoint(capture_percent=0), "aws_sagemaker_endpoint_configuration")["data_capture_config"]
    assert capture["enable_capture"] is False


def test_no_target_ignores_changes_to_network_isolation(example_synth):
    model = only(example_synth["fraud-detection"], "aws_sagemaker_model")
    assert model["enable_network_isolation"] is True
    assert "ignore_changes" not in model["lifecycle"]
    assert model["primary_container"]["model_package_name"].endswith("/1")
    assert (
        "${aws_sagemaker_model_package_group.model-fraud-scorer_group_"
        in model["primary_container"]["model_package_name"]
    )


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"capture_percent": 101}, r"capture_percent=101; fix: use 0 to 100"),
        ({"min_instances": 3, "max_instances": 2}, r"min_instances=3, max_instances=2"),
        ({"version": 0}, r"version=0; fix: use a registered version"),
    ],
)
def test_validation(fields, match):
    with pytest.raises(ValueError, match=match):
        EndpointProps(project=scope(), name="api", package_group=GROUP, **fields)
