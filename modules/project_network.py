"""A project's own security groups in the platform VPC: one per workload kind, none shared.

What each group allows (nothing else; no group has an ingress rule from outside the project):
- `notebooks`: egress HTTPS to the VPC endpoints and to S3 (prefix list), and to the project's own
  Spark clusters on Livy (8998), Jupyter Enterprise Gateway (9547) and the YARN ResourceManager
  (8088), which run without authentication: only this project's notebooks may reach them;
- `spark`: attached to the primary node of each of the project's EMR clusters, ingress on those
  three ports from the project's `notebooks` group only (the nodes talk to each other through the
  cluster's own EMR-managed groups, see modules/spark_cluster.py);
- `models` (SageMaker models of endpoints) and `batch` (EMR Serverless applications): egress
  HTTPS to the VPC endpoints and S3 only.

Groups are named `<project>--<kind>` and tagged with the project (the tagging aspect), which is
what the project roles' `ec2:CreateNetworkInterface` grant is conditioned on.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.security_group_rule import SecurityGroupRule
from constructs import Construct

from modules.cluster_ports import CLUSTER_PORTS
from modules.naming import project_name
from modules.spark_cluster import EMR_MANAGED_TAG

KINDS = ("notebooks", "spark", "models", "batch")


@dataclass(frozen=True, kw_only=True)
class ProjectNetworkProps:
    """The groups of one project; only the kinds the project uses are created."""

    project: str
    """Project name: groups are <project>--<kind>."""
    vpc_id: str
    """The platform VPC."""
    endpoint_security_group_id: str
    """The platform's VPC-endpoint group (HTTPS from the VPC)."""
    s3_prefix_list_id: str
    """Prefix list of the S3 gateway endpoint."""
    kinds: tuple[str, ...]
    """Workload kinds the project runs (KINDS)."""

    def __post_init__(self) -> None:
        unknown = sorted(set(self.kinds) - set(KINDS))
        if unknown:
            raise ValueError(f"project {self.project}: unknown workload kinds {unknown}; fix: use {', '.join(KINDS)}")


class ProjectNetwork(Construct):
    """Outputs: `group_ids` (kind -> security group id)."""

    def __init__(self, scope: Construct, id: str, props: ProjectNetworkProps) -> None:
        super().__init__(scope, id)
        self.groups = {
            kind: SecurityGroup(
                self,
                f"{kind}-sg",
                name=project_name(props.project, kind),
                vpc_id=props.vpc_id,
                revoke_rules_on_delete=True,
                description=f"mlzone project {props.project}: {kind}, reachable from nothing outside the project",
                tags=EMR_MANAGED_TAG if kind == "spark" else None,  # AmazonEMRServicePolicy_v2 uses only tagged groups
            )
            for kind in KINDS
            if kind in props.kinds
        }
        for kind, group in self.groups.items():
            self._rule(
                f"{kind}-endpoints-out",
                group,
                "egress",
                443,
                "HTTPS to the VPC endpoints",
                source_security_group_id=props.endpoint_security_group_id,
            )
            self._rule(
                f"{kind}-s3-out",
                group,
                "egress",
                443,
                "HTTPS to S3 through the gateway endpoint",
                prefix_list_ids=[props.s3_prefix_list_id],
            )
        notebooks, spark = self.groups.get("notebooks"), self.groups.get("spark")
        if notebooks and spark:
            for app, port in CLUSTER_PORTS.items():
                self._rule(
                    f"notebooks-{app}-out",
                    notebooks,
                    "egress",
                    port,
                    f"{app} on the clusters of the project",
                    source_security_group_id=spark.id,
                )
                self._rule(
                    f"spark-{app}-in",
                    spark,
                    "ingress",
                    port,
                    f"{app} from the notebooks of the project",
                    source_security_group_id=notebooks.id,
                )
        self.group_ids = {kind: group.id for kind, group in self.groups.items()}

    def _rule(self, id: str, group: SecurityGroup, direction: str, port: int, description: str, **peer) -> None:
        SecurityGroupRule(
            self,
            id,
            type=direction,
            security_group_id=group.id,
            protocol="tcp",
            from_port=port,
            to_port=port,
            description=description,
            **peer,
        )
