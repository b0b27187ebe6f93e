"""Spark cluster: EMR 7 in a private subnet, encrypted at rest and in transit, self-terminating."""

from __future__ import annotations

import json

import pytest

from modules.spark_cluster import EMR_SERVICE_POLICY, SparkCluster, SparkClusterProps
from tests.conftest import only, resources, synth
from tests.unit.project_scope import GROUPS, KEY, PLATFORM_KEY, actions, scope, stack, statements

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def doc() -> dict:
    s = stack()
    SparkCluster(
        s, "spark-explore", SparkClusterProps(project=scope(), name="explore", core_nodes=3, idle_timeout_minutes=90)
    )
    return synth(s)


def test_security_configuration_encrypts_everything(doc):
    config = json.loads(only(doc, "aws_emr_security_configuration")["configuration"])
    enc = config["EncryptionConfiguration"]
    assert enc["EnableAtRestEncryption"] and enc["EnableInTransitEncryption"]
    at_rest = enc["AtRestEncryptionConfiguration"]
    assert at_rest["S3EncryptionConfiguration"] == {"EncryptionMode": "SSE-KMS", "AwsKmsKey": KEY}
    assert at_rest["LocalDiskEncryptionConfiguration"] == {
        "EncryptionKeyProviderType": "AwsKms",
        "AwsKmsKey": KEY,
        "EnableEbsEncryption": True,
    }
    tls = enc["InTransitEncryptionConfiguration"]["TLSCertificateConfiguration"]
    assert tls == {"CertificateProviderType": "PEM", "S3Object": "s3://acme-data/team-a/emr/tls/certificates.zip"}
    assert config["InstanceMetadataServiceConfiguration"]["MinimumInstanceMetadataServiceVersion"] == 2


def test_cluster_is_private_and_terminates_itself(doc):
    cluster = only(doc, "aws_emr_cluster")
    assert cluster["name"] == "team-a--explore" and cluster["release_label"].startswith("emr-7.")
    assert set(cluster["applications"]) == {"Spark", "Livy", "JupyterEnterpriseGateway"}
    assert cluster["auto_termination_policy"] == {"idle_timeout": 90 * 60}
    assert cluster["security_configuration"].startswith("${aws_emr_security_configuration.")
    ec2 = cluster["ec2_attributes"]
    assert ec2["subnet_id"] == '${element(["subnet-1", "subnet-2"], 0)}'
    assert ec2["additional_master_security_groups"] == GROUPS["spark"]  # notebooks of this project only
    assert "additional_slave_security_groups" not in ec2  # core nodes: the cluster's own managed group only
    assert all(
        ec2[k].startswith("${aws_security_group.spark-explore_")
        for k in (
            "emr_managed_master_security_group",
            "emr_managed_slave_security_group",
            "service_access_security_group",
        )
    )
    assert cluster["log_uri"] == "s3://acme-emr-logs/team-a/explore/"
    assert cluster["log_encryption_kms_key_id"] == PLATFORM_KEY
    assert cluster["tags"]["for-use-with-amazon-emr-managed-policies"] == "true"
    groups = resources(doc, "aws_security_group").values()
    assert all("ingress" not in g and "egress" not in g for g in groups)  # EMR adds only node-to-node rules


def test_managed_scaling_limits(doc):
    (limits,) = only(doc, "aws_emr_managed_scaling_policy")["compute_limits"]
    assert (limits["minimum_capacity_units"], limits["maximum_capacity_units"]) == (3, 6)  # default max: 2 x core


def test_roles_are_scoped_to_the_project(doc):
    roles = {r["name"]: r for r in resources(doc, "aws_iam_role").values()}
    instance, service = roles["team-a--explore-emr-ec2"], roles["team-a--explore-emr"]
    assert instance["permissions_boundary"].endswith("team-a--boundary")
    assert "permissions_boundary" not in service  # runs no project code; AWS-managed, tag-scoped policy
    assert json.loads(instance["assume_role_policy"])["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert only(doc, "aws_iam_role_policy_attachment")["policy_arn"] == EMR_SERVICE_POLICY
    passrole = statements(doc, "spark-explore_service-role_policy")["PassInstanceRole"]
    assert passrole["Resource"].startswith("${aws_iam_role.spark-explore_instance-role_")
    st = statements(doc, "spark-explore_instance-role_policy")
    assert st["DataObjects"]["Resource"] == "arn:aws:s3:::acme-data/team-a/*"
    assert st["EmrLogsObjects"]["Resource"] == "arn:aws:s3:::acme-emr-logs/team-a/explore/*"
    assert "iam:PassRole" not in [a for s in st.values() for a in actions(s)]


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"idle_timeout_minutes": 4}, r"idle_timeout_minutes=4; fix: use 5 minutes to 7 days"),
        ({"idle_timeout_minutes": 10081}, r"idle_timeout_minutes=10081"),
        ({"release_label": "emr-6.15.0"}, r"fix: use EMR 7.x"),
        ({"core_nodes": 0}, r"core_nodes=0; fix: use 1 to 50"),
        ({"core_nodes": 4, "max_nodes": 3}, r"max_nodes=3 with core_nodes=4"),
        ({"tls_certificates_s3_uri": "s3://elsewhere/certs.zip"}, r"outside the project prefix"),
    ],
)
def test_validation(fields, match):
    with pytest.raises(ValueError, match=match):
        SparkClusterProps(project=scope(), name="explore", **fields)


def test_block_public_access_is_on_for_the_region(example_synth):
    bpa = only(example_synth["platform"], "aws_emr_block_public_access_configuration")
    assert bpa["block_public_security_group_rules"] is True
    assert "permitted_public_security_group_rule_range" not in bpa  # not even port 22
