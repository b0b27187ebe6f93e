"""What a project has running, read from the zone's APIs: notebooks, clusters, endpoints, model versions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from modules.naming import project_name, project_pattern

GROUP_ORDER = ("MASTER", "CORE", "TASK")  # a cluster's instance groups as the page lists them


@dataclass(frozen=True)
class Resource:
    kind: str  # notebook | cluster | endpoint | model version
    name: str
    status: str
    instance_type: str = ""
    since: datetime | None = None  # when it started running (for the cost estimate)
    detail: str = ""
    ref: str = ""  # what the row's buttons act on: a notebook's name, a cluster's request name, `model/version`
    address: str = ""  # a cluster's primary node DNS name (its Livy endpoint's host)
    instances: tuple[tuple[str, int], ...] = ()  # (instance type, count) it runs; empty: one `instance_type`

    def billed(self) -> tuple[tuple[str, int], ...]:
        """(instance type, count) the estimate prices."""
        return self.instances or (((self.instance_type, 1),) if self.instance_type else ())


def shown(instances: tuple[tuple[str, int], ...]) -> str:
    """`1 × m5.xlarge, 2 × m5.2xlarge`."""
    return ", ".join(f"{count} × {kind}" for kind, count in instances)


def _mine(project: str, name: str) -> bool:
    return name.startswith(project_pattern(project).rstrip("*"))


def notebooks(sagemaker: Any, project: str) -> list[Resource]:
    found = sagemaker.list_notebook_instances(NameContains=project_name(project, ""))["NotebookInstances"]
    return [
        Resource(
            "notebook",
            n["NotebookInstanceName"],
            n["NotebookInstanceStatus"],
            n.get("InstanceType", ""),
            n.get("LastModifiedTime") if n["NotebookInstanceStatus"] == "InService" else None,
            n.get("Url", ""),
            n["NotebookInstanceName"],
        )
        for n in found
        if _mine(project, n["NotebookInstanceName"])
    ]


def clusters(emr: Any, project: str) -> list[Resource]:
    states = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING", "TERMINATING"]
    out = []
    for c in emr.list_clusters(ClusterStates=states)["Clusters"]:
        if _mine(project, c["Name"]):
            described = emr.describe_cluster(ClusterId=c["Id"])["Cluster"]
            idle = (
                emr.get_auto_termination_policy(ClusterId=c["Id"]).get("AutoTerminationPolicy", {}).get("IdleTimeout")
            )
            groups = sorted(
                emr.list_instance_groups(ClusterId=c["Id"])["InstanceGroups"],
                key=lambda g: GROUP_ORDER.index(g.get("InstanceGroupType", "TASK")),
            )
            nodes = tuple(
                (g["InstanceType"], g.get("RunningInstanceCount") or g.get("RequestedInstanceCount", 0)) for g in groups
            )
            out.append(
                Resource(
                    "cluster",
                    c["Name"],
                    c["Status"]["State"],
                    shown(nodes),
                    c["Status"]["Timeline"].get("CreationDateTime"),
                    f"auto-terminates after {idle // 60} idle minutes" if idle else "",
                    c["Name"].removeprefix(project_name(project, "")),
                    described.get("MasterPublicDnsName", ""),
                    nodes,
                )
            )
    return out


def endpoints(sagemaker: Any, project: str) -> list[Resource]:
    out = []
    for e in sagemaker.list_endpoints(NameContains=project_name(project, ""))["Endpoints"]:
        if not _mine(project, e["EndpointName"]):
            continue
        config = sagemaker.describe_endpoint(EndpointName=e["EndpointName"])["EndpointConfigName"]
        variants = sagemaker.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"]
        instances = tuple(
            (v["InstanceType"], v.get("InitialInstanceCount", 1)) for v in variants if "InstanceType" in v
        )
        out.append(
            Resource(
                "endpoint",
                e["EndpointName"],
                e["EndpointStatus"],
                shown(instances),
                e.get("CreationTime"),
                instances=instances,
            )
        )
    return out


def model_versions(sagemaker: Any, project: str, models: list[str]) -> list[Resource]:
    out = []
    for model in models:
        group = project_name(project, model)
        try:
            packages = sagemaker.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]
        except sagemaker.exceptions.ClientError:
            continue
        for p in packages:
            out.append(
                Resource(
                    "model version",
                    f"{model} v{p.get('ModelPackageVersion', '?')}",
                    p.get("ModelApprovalStatus", ""),
                    detail=p["ModelPackageArn"],
                    ref=f"{model}/{p.get('ModelPackageVersion', '')}",
                )
            )
    return out


def project_resources(client: Callable[[str], Any], project: str, models: list[str]) -> list[Resource]:
    """Everything of `project` the portal shows, in page order."""
    sagemaker = client("sagemaker")
    return [
        *notebooks(sagemaker, project),
        *clusters(client("emr"), project),
        *endpoints(sagemaker, project),
        *model_versions(sagemaker, project, models),
    ]


def hours_this_month(since: datetime | None, now: datetime | None = None) -> float:
    """Hours a resource has run this calendar month (UTC)."""
    if since is None:
        return 0.0
    now = now or datetime.now(UTC)
    start = max(since.astimezone(UTC), now.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
    return max((now - start).total_seconds() / 3600, 0.0)
