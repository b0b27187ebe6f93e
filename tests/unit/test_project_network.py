"""Each project's own security groups: notebooks reach only their project's clusters (Livy, JEG,
YARN), models and batch jobs reach only the VPC endpoints and S3, nothing reaches in from outside."""

from __future__ import annotations

import json

import pytest

from modules.cluster_ports import CLUSTER_PORTS
from modules.project_network import ProjectNetwork, ProjectNetworkProps
from tests.conftest import resources, synth
from tests.unit.project_scope import stack

pytestmark = pytest.mark.unit
ENDPOINTS, S3 = "sg-platform-endpoints", "pl-s3"
PLATFORM_ENDPOINTS = "${data.terraform_remote_state.platform.outputs.endpoint_security_group_id}"
WORKLOAD_GROUPS = {  # (type, path to the group ids) of every workload that sits in the VPC
    "aws_sagemaker_notebook_instance": ("security_groups",),
    "aws_sagemaker_model": ("vpc_config", "security_group_ids"),
    "aws_emrserverless_application": ("network_configuration", "security_group_ids"),
}


def network(kinds=("notebooks", "spark", "models", "batch")) -> dict:
    s = stack()
    ProjectNetwork(
        s,
        "network",
        ProjectNetworkProps(
            project="team-a", vpc_id="vpc-1", endpoint_security_group_id=ENDPOINTS, s3_prefix_list_id=S3, kinds=kinds
        ),
    )
    return synth(s)


def group_refs(doc: dict) -> dict[str, str]:
    """`${aws_security_group.<id>.id}` -> group name."""
    return {"${aws_security_group." + i + ".id}": g["name"] for i, g in resources(doc, "aws_security_group").items()}


def rules_of(doc: dict) -> list[tuple[str, str, int, str]]:
    """(group name, direction, port, peer) for every rule; the peer is a group name, the platform group or a
    prefix list."""
    refs = group_refs(doc)
    out = []
    for r in resources(doc, "aws_security_group_rule").values():
        assert r["protocol"] == "tcp" and r["from_port"] == r["to_port"], r  # one port, never all traffic
        assert "cidr_blocks" not in r and "self" not in r, r  # no address range, no self-reference
        peer = r.get("source_security_group_id") or r["prefix_list_ids"][0]
        out.append((refs[r["security_group_id"]], r["type"], r["from_port"], refs.get(peer, peer)))
    return out


def test_one_group_per_workload_kind_named_after_the_project():
    assert sorted(group_refs(network()).values()) == [
        "team-a--batch",
        "team-a--models",
        "team-a--notebooks",
        "team-a--spark",
    ]


def test_only_the_projects_notebooks_reach_its_clusters():
    rules = rules_of(network())
    ingress = sorted(r for r in rules if r[1] == "ingress")
    assert ingress == sorted(("team-a--spark", "ingress", port, "team-a--notebooks") for port in CLUSTER_PORTS.values())
    assert set(CLUSTER_PORTS.values()) == {8998, 9547, 8088}  # Livy, Jupyter Enterprise Gateway, YARN


def test_egress_only_to_the_endpoints_s3_and_the_own_clusters():
    rules = [r for r in rules_of(network()) if r[1] == "egress"]
    for group in ("team-a--notebooks", "team-a--spark", "team-a--models", "team-a--batch"):
        assert {(port, peer) for g, _, port, peer in rules if g == group} >= {(443, ENDPOINTS), (443, S3)}
    assert {(port, peer) for g, _, port, peer in rules if g == "team-a--models"} == {(443, ENDPOINTS), (443, S3)}
    assert {(port, peer) for g, _, port, peer in rules if g == "team-a--batch"} == {(443, ENDPOINTS), (443, S3)}
    cluster_ports = {(port, peer) for g, _, port, peer in rules if g == "team-a--notebooks" and port != 443}
    assert cluster_ports == {(port, "team-a--spark") for port in CLUSTER_PORTS.values()}


def test_only_the_kinds_a_project_runs():
    doc = network(("models",))
    assert list(group_refs(doc).values()) == ["team-a--models"]
    assert {r[2] for r in rules_of(doc)} == {443}
    with pytest.raises(ValueError, match=r"unknown workload kinds \['gpu'\]"):
        ProjectNetworkProps(
            project="team-a", vpc_id="v", endpoint_security_group_id="e", s3_prefix_list_id="p", kinds=("gpu",)
        )


@pytest.mark.parametrize("project", ["fraud-detection", "churn"])
def test_example_workloads_use_only_their_own_projects_groups(example_synth, project):
    doc = example_synth[project]
    own = group_refs(doc)
    assert all(name.startswith(f"{project}--") for name in own.values())
    attached = []
    for type_, path in WORKLOAD_GROUPS.items():
        for r in resources(doc, type_).values():
            value = r
            for key in path:
                value = value[key]
            attached += value
    for cluster in resources(doc, "aws_emr_cluster").values():
        attached += [
            v for k, v in cluster["ec2_attributes"].items() if k.endswith(("security_group", "security_groups"))
        ]
    assert attached and set(attached) <= set(own), set(attached) - set(own)
    for r in resources(doc, "aws_security_group_rule").values():  # peers: own groups, the platform endpoints, S3
        peer = r.get("source_security_group_id")
        if r["type"] == "ingress":
            assert peer in own, r
        else:
            assert peer in own or peer == PLATFORM_ENDPOINTS or r.get("prefix_list_ids"), r
    others = [p for p in example_synth if p not in (project, "platform")]
    assert not any(f"{other}--" in json.dumps(resources(doc, "aws_security_group_rule")) for other in others)
