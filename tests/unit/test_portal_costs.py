"""The portal's month-so-far estimate prices every instance of every resource (notebooks, cluster nodes, endpoint
instances) from the one price table (modules/prices.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from mlzone.emulator.registry import patch_moto
from mlzone.portal import inventory
from mlzone.portal.costs import estimate
from mlzone.portal.inventory import Resource
from modules.prices import NODE_PRICE_USD, SAGEMAKER_PRICE_USD, hourly_usd


def test_a_running_notebook_costs_its_hours_at_the_tables_price() -> None:
    since = datetime.now(UTC) - timedelta(hours=10)
    if since.month != datetime.now(UTC).month:
        pytest.skip("the month began less than 10 hours ago")
    found = estimate([Resource("notebook", "nb", "InService", "ml.m5.xlarge", since)])
    (_, kind, hours, usd) = found.lines[0]
    assert kind == "1 × ml.m5.xlarge" and hours == pytest.approx(10, abs=0.01)
    assert usd == pytest.approx(hours * SAGEMAKER_PRICE_USD["ml.m5.xlarge"])
    assert found.unpriced == ()


def test_an_instance_type_without_a_price_is_named_not_guessed() -> None:
    found = estimate(
        [Resource("endpoint", "ep", "InService", "ml.p4d.24xlarge", datetime.now(UTC) - timedelta(hours=1))]
    )
    assert found.lines == () and found.usd == 0 and found.unpriced == ("ep (ml.p4d.24xlarge)",)


def test_emr_nodes_and_sagemaker_instances_share_one_lookup() -> None:
    assert hourly_usd("m5.xlarge") == NODE_PRICE_USD["m5.xlarge"]
    assert hourly_usd("ml.t3.medium") == SAGEMAKER_PRICE_USD["ml.t3.medium"]
    assert hourly_usd("x1.32xlarge") is None


def test_a_cluster_costs_every_node_of_every_instance_group() -> None:
    since = datetime.now(UTC) - timedelta(hours=2)
    if since.month != datetime.now(UTC).month:
        pytest.skip("the month began less than 2 hours ago")
    nodes = (("m5.xlarge", 1), ("m5.2xlarge", 2))
    found = estimate([Resource("cluster", "c", "WAITING", "", since, instances=nodes)])
    assert [(kind, round(hours)) for _, kind, hours, _ in found.lines] == [("1 × m5.xlarge", 2), ("2 × m5.2xlarge", 2)]
    per_hour = NODE_PRICE_USD["m5.xlarge"] + 2 * NODE_PRICE_USD["m5.2xlarge"]
    assert found.usd == pytest.approx(round(sum(h for _, _, h, _ in found.lines) / 2 * per_hour, 2), abs=0.01)


@pytest.fixture
def aws():
    patch_moto()  # the emulator's EMR auto-termination policy, as `mlzone deploy` installs it
    with mock_aws():
        yield lambda service: boto3.client(service, region_name="eu-west-1")


def test_the_inventory_reads_each_clusters_instance_groups_and_each_endpoints_instances(aws) -> None:
    emr, sagemaker = aws("emr"), aws("sagemaker")
    groups = [
        {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1, "Market": "ON_DEMAND"},
        {"InstanceRole": "CORE", "InstanceType": "m5.2xlarge", "InstanceCount": 2, "Market": "ON_DEMAND"},
    ]
    emr.run_job_flow(
        Name="fraud--eda",
        ReleaseLabel="emr-7.2.0",
        Instances={"InstanceGroups": groups, "KeepJobFlowAliveWhenNoSteps": True},
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
    )
    sagemaker.create_model(
        ModelName="fraud--m", PrimaryContainer={"Image": "i"}, ExecutionRoleArn="arn:aws:iam::123456789012:role/r"
    )
    variant = {"VariantName": "AllTraffic", "ModelName": "fraud--m", "InitialInstanceCount": 3}
    sagemaker.create_endpoint_config(
        EndpointConfigName="fraud--scorer-1", ProductionVariants=[variant | {"InstanceType": "ml.m5.large"}]
    )
    sagemaker.create_endpoint(EndpointName="fraud--scorer", EndpointConfigName="fraud--scorer-1")
    [cluster] = inventory.clusters(emr, "fraud")
    assert cluster.instances == (("m5.xlarge", 1), ("m5.2xlarge", 2))
    assert cluster.instance_type == "1 × m5.xlarge, 2 × m5.2xlarge", "the page's type column"
    [endpoint] = inventory.endpoints(sagemaker, "fraud")
    assert endpoint.billed() == (("ml.m5.large", 3),)
