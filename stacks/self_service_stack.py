"""`<project>-self-service`: what a project's members requested (`requests/<project>.yaml`), in a stack of its own.

A request changes only this stack, so it never re-plans the team's reviewed project stack. It builds on
the project stack's named outputs (key, boundary) and the platform's (network, shared
buckets), read from their states like a project stack reads the platform's (stacks/project_stack.py),
and renders each request with the same constructs and secure defaults as the reviewed stacks:
clusters through modules/spark_cluster.py (size presets of modules/self_service.py, auto-termination
after the requested idle time), notebooks through modules/notebook.py (private, no root, encrypted,
idle stop). Deploy order: platform, project, then its self-service stack.
"""

from __future__ import annotations

from dataclasses import replace

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from modules.experiment_tracking import own_server_access
from modules.naming import project_name, self_service_stack_name
from modules.notebook import Notebook, NotebookProps
from modules.project_network import ProjectNetwork, ProjectNetworkProps
from modules.project_role import ProjectScope, TrackingAccess
from modules.self_service import SPARK_SIZES
from modules.spark_cluster import SparkCluster, SparkClusterProps
from modules.tagging import tag_everything
from stacks.project_stack import (
    PLATFORM_OUTPUTS,
    TRACKING_OUTPUTS,
    data_bucket_name,
    platform_state,
    project_tags,
    uses_shared_tracking,
)
from stacks.provider import configure
from stacks.self_service_spec import Requests
from stacks.spec import PlatformSpec, ProjectSpec
from stacks.target import Target

# The project outputs a self-service stack reads (ProjectStack declares them when self_service is set).
PROJECT_OUTPUTS = ("data_key_arn", "boundary_arn")


class SelfServiceStack(TerraformStack):
    """The requested clusters and notebooks of one project with `self_service` guardrails."""

    def __init__(
        self, scope: Construct, platform: PlatformSpec, project: ProjectSpec, requests: Requests, target: Target
    ) -> None:
        name = self_service_stack_name(project.name)
        super().__init__(scope, name)
        if project.self_service is None:
            raise ValueError(
                f"project {project.name} has no self_service guardrails; fix: add self_service: to its spec"
            )
        configure(self, target, platform, name)
        tag_everything(self, project_tags(project))
        shared = uses_shared_tracking(platform, project)
        base = platform_state(self, platform, target)
        own = platform_state(self, platform, target, source=project.name)
        wanted = PLATFORM_OUTPUTS | (TRACKING_OUTPUTS if shared else {})
        out = {k: base.get_list(k) if is_list else base.get_string(k) for k, is_list in wanted.items()}
        mine = {k: own.get_string(k) for k in PROJECT_OUTPUTS}
        # Groups of their own (CKV_MLZ_40: a workload uses only groups its stack creates): the requested notebooks
        # reach the requested clusters' Livy/JEG/YARN ports, nothing else reaches either. Only the kinds requested
        # (an unattached group is refused by CKV2_AWS_5).
        network = ProjectNetwork(
            self,
            "network",
            ProjectNetworkProps(
                project=project_name(project.name, "self-service"),
                vpc_id=out["vpc_id"],
                endpoint_security_group_id=out["endpoint_security_group_id"],
                s3_prefix_list_id=out["s3_prefix_list_id"],
                kinds=tuple(
                    k for k, wanted in (("notebooks", requests.notebooks), ("spark", requests.clusters)) if wanted
                ),
            ),
        )
        p = ProjectScope(
            name=project.name,
            account_id=target.account_id(platform),
            region=platform.region,
            key_arn=mine["data_key_arn"],
            data_bucket=data_bucket_name(platform, project),
            capture_bucket=out["capture_bucket"],
            emr_log_bucket=out["emr_log_bucket"],
            platform_key_arn=out["data_key_arn"],
            vpc_id=out["vpc_id"],
            subnet_ids=out["subnet_ids"],
            security_groups=network.group_ids,
            boundary_arn=mine["boundary_arn"],
        )
        if shared:
            p = replace(
                p,
                tracking=TrackingAccess(
                    server_arn=out["tracking_server_arn"],
                    bucket=out["mlflow_bucket"],
                    prefix=(),
                    key_arn=out["data_key_arn"],
                ),
            )
        elif platform.experiment_tracking.enabled:
            p = replace(p, tracking=own_server_access(p))
        for request in requests.clusters:
            cluster = SparkCluster(
                self,
                f"spark-{request.name}",
                SparkClusterProps(
                    project=p,
                    name=request.name,
                    idle_timeout_minutes=request.idle_minutes,
                    **SPARK_SIZES[request.size].props(),  # type: ignore[arg-type]
                ),
            )
            TerraformOutput(self, f"cluster_{request.name}", value=cluster.cluster_id)
        for i, notebook_request in enumerate(requests.notebooks):
            notebook = Notebook(
                self,
                f"notebook-{notebook_request.name}",
                NotebookProps(
                    project=p,
                    owner=notebook_request.name,
                    instance_type=notebook_request.instance_type,
                    subnet_index=i,
                ),
            )
            TerraformOutput(self, f"notebook_{notebook_request.name}", value=notebook.name)
