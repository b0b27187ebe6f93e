"""Project isolation on the emulator, read back with boto3 after a deploy: the project's workloads sit
only in the project's own security groups, whose rules reference nothing outside the project but the
VPC endpoints' group and the S3 prefix list, and the project has its own MLflow tracking server.

Reuses the session's deployed example (tests that destroy the project deploy it again after them)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import EXAMPLE_PROJECT

pytestmark = pytest.mark.e2e
NOTEBOOK = f"{EXAMPLE_PROJECT}--alice"


@pytest.fixture(scope="module")
def project_deployed(deployed, aws) -> None:
    assert deployed.exit_code == 0, deployed.output
    names = [n["NotebookInstanceName"] for n in aws("sagemaker").list_notebook_instances()["NotebookInstances"]]
    assert NOTEBOOK in names, "an earlier test of the session left the example project destroyed"


def groups_by_id(aws) -> dict[str, dict]:
    return {g["GroupId"]: g for g in aws("ec2").describe_security_groups()["SecurityGroups"]}


def project_groups(groups: dict[str, dict]) -> dict[str, dict]:
    return {i: g for i, g in groups.items() if g["GroupName"].startswith(f"{EXAMPLE_PROJECT}--")}


def test_the_platform_has_no_workload_group(project_deployed, aws) -> None:
    names = {g["GroupName"] for g in groups_by_id(aws).values()}
    assert "acme-ml-workloads" not in names and "acme-ml-endpoints" in names
    assert {f"{EXAMPLE_PROJECT}--{kind}" for kind in ("notebooks", "spark", "models", "batch")} <= names


def test_project_group_rules_reference_only_the_project_and_the_endpoints(project_deployed, aws) -> None:
    groups = groups_by_id(aws)
    own = project_groups(groups)
    endpoints = {i for i, g in groups.items() if g["GroupName"] == "acme-ml-endpoints"}
    tags = {i: {t["Key"]: t["Value"] for t in g.get("Tags", [])} for i, g in own.items()}
    assert all(t.get("project") == EXAMPLE_PROJECT for t in tags.values()), tags
    checked = 0
    for group_id, group in own.items():
        for rule in group["IpPermissions"]:  # ingress
            peers = {p["GroupId"] for p in rule.get("UserIdGroupPairs", [])}
            assert not rule.get("IpRanges") and not rule.get("Ipv6Ranges"), f"{group['GroupName']}: {rule}"
            assert peers <= set(own), f"{group['GroupName']} admits groups outside the project: {peers - set(own)}"
            assert not (rule["IpProtocol"] == "-1" and group_id in peers), (
                f"{group['GroupName']}: all traffic from itself"
            )
            checked += 1
        for rule in group["IpPermissionsEgress"]:
            peers = {p["GroupId"] for p in rule.get("UserIdGroupPairs", [])}
            assert peers <= set(own) | endpoints, f"{group['GroupName']} sends to {peers - set(own) - endpoints}"
    assert checked == 3  # Livy, JEG and YARN into <project>--spark from <project>--notebooks
    spark = next(g for g in own.values() if g["GroupName"] == f"{EXAMPLE_PROJECT}--spark")
    notebooks = next(i for i, g in own.items() if g["GroupName"] == f"{EXAMPLE_PROJECT}--notebooks")
    assert {(r["FromPort"], r["UserIdGroupPairs"][0]["GroupId"]) for r in spark["IpPermissions"]} == {
        (8998, notebooks),
        (9547, notebooks),
        (8088, notebooks),
    }


def test_workloads_sit_only_in_the_projects_own_groups(project_deployed, aws) -> None:
    own = set(project_groups(groups_by_id(aws)))
    sm = aws("sagemaker")
    notebook = sm.describe_notebook_instance(NotebookInstanceName=NOTEBOOK)
    live = aws("emr").list_clusters(ClusterStates=["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"])["Clusters"]
    (cluster,) = [c for c in live if c["Name"] == f"{EXAMPLE_PROJECT}--explore"]  # not one an earlier test destroyed
    ec2 = aws("emr").describe_cluster(ClusterId=cluster["Id"])["Cluster"]["Ec2InstanceAttributes"]
    emr = {
        ec2.get("EmrManagedMasterSecurityGroup"),
        ec2.get("EmrManagedSlaveSecurityGroup"),
        *ec2.get("AdditionalMasterSecurityGroups", []),
    }
    # the example names no model version, so no SageMaker model exists yet (tests/unit/test_endpoint.py
    # checks a served model's groups at synth)
    attached = {"notebook": set(notebook["SecurityGroups"]), "emr cluster": emr - {None}}
    for workload, groups in attached.items():
        assert groups and groups <= own, f"{workload}: {groups - own} are not groups of {EXAMPLE_PROJECT}"


def test_the_project_has_its_own_tracking_server(project_deployed, aws) -> None:
    server = aws("sagemaker").describe_mlflow_tracking_server(TrackingServerName=f"{EXAMPLE_PROJECT}--mlflow")
    assert server["ArtifactStoreUri"] == f"s3://acme-ml-{EXAMPLE_PROJECT}--data-eu-west-1/{EXAMPLE_PROJECT}/mlflow/"
    assert f"/mlzone/{EXAMPLE_PROJECT}/" in server["RoleArn"]
