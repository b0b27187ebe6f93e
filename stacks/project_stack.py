"""One stack per team project, built from `projects/<name>.yaml`.

How a project stack gets the platform's network, keys and buckets: it reads the platform stack's
*named outputs* (`PLATFORM_OUTPUTS`, declared by `PlatformStack`) from the platform's Terraform
state through a `terraform_remote_state` data source: the local backend file on the local target
(`../../../.mlzone/state/platform.tfstate`, the same relative path from every stack folder), the
S3 state object on the aws target. We read named outputs rather than letting cdktf generate
cross-stack references because the names are a stable, documented contract (`mlzone status` and
tests read the same ones), a project stack can be synthesized and tested on its own, and a
platform refactor cannot silently rename the hashed outputs cdktf would generate.

Consequence (by design): a project stack cannot be planned before the platform is applied —
`terraform plan` fails reading the remote state (or an output it needs is missing). Deploy order
is platform first, then projects (`mlzone deploy` does this). Plan tests provide a platform
state fixture holding just these outputs (tests/plan/test_project_plan.py).
"""

from __future__ import annotations

from dataclasses import replace

from cdktf import DataTerraformRemoteStateLocal, DataTerraformRemoteStateS3, TerraformOutput, TerraformStack
from constructs import Construct

from mlzone.jobs import shipped
from modules.approver_role import ApproverRole, ApproverRoleProps
from modules.batch_inference import BatchInference, BatchInferenceProps
from modules.bucket import Bucket, BucketProps
from modules.budget import Budget, BudgetProps, budget_key_grant
from modules.endpoint import Endpoint, EndpointProps
from modules.experiment_tracking import (
    OWN_SERVER_CLASSIFICATIONS,
    ProjectTracking,
    ProjectTrackingProps,
    own_server_access,
)
from modules.keys import Key, KeyProps
from modules.layout import SHARED_MODELS_JSON_PATH
from modules.model_registry import ModelRegistry, ModelRegistryProps
from modules.naming import project_name
from modules.notebook import Notebook, NotebookProps
from modules.project_network import ProjectNetwork, ProjectNetworkProps
from modules.project_role import (
    ProjectBoundary,
    ProjectBoundaryProps,
    ProjectRole,
    ProjectRoleProps,
    ProjectScope,
    TrackingAccess,
    role_pattern,
)
from modules.self_service_role import SelfServiceRole, SelfServiceRoleProps
from modules.spark_cluster import SparkCluster, SparkClusterProps
from modules.subject_keys import secret_name
from modules.tagging import RequiredTags, tag_everything
from stacks.platform_stack import PLATFORM_STACK, shared_tracking
from stacks.provider import configure
from stacks.spec import PlatformSpec, ProjectSpec, Zone, data_bucket_name, spec_fields
from stacks.target import LOCAL_STATE_DIR, Target, state_key_alias

# The platform outputs every project stack reads (name -> list?); PlatformStack must declare them all.
PLATFORM_OUTPUTS = {
    "vpc_id": False,
    "subnet_ids": True,
    "endpoint_security_group_id": False,
    "s3_prefix_list_id": False,
    "data_key_arn": False,
    "access_log_bucket": False,
    "capture_bucket": False,
    "emr_log_bucket": False,
    "audit_key_arn": False,
}
# Read as well by the projects that use the platform's shared MLflow server (`uses_shared_tracking`).
TRACKING_OUTPUTS = {"mlflow_bucket": False, "tracking_server_arn": False}


def platform_state(stack: TerraformStack, platform: PlatformSpec, target: Target, source: str = PLATFORM_STACK):
    """The state of stack `source` (default the platform's), read through `terraform_remote_state` (same backend
    as `stacks.provider`)."""
    if target.kind == "local":
        return DataTerraformRemoteStateLocal(stack, source, path=f"{LOCAL_STATE_DIR}/{source}.tfstate")
    return DataTerraformRemoteStateS3(
        stack,
        source,
        bucket=target.state_bucket(platform),
        key=f"mlzone/{source}.tfstate",
        region=platform.region,
    )


def project_tags(project: ProjectSpec) -> RequiredTags:
    """The tags on every resource of the project's stacks (its own and its self-service stack)."""
    return RequiredTags(
        team=project.team,
        project=project.name,
        cost_center=project.cost_center,
        data_classification=project.data_classification,
    )


def uses_shared_tracking(platform: PlatformSpec, project: ProjectSpec) -> bool:
    """Public/internal projects use the shared server when the platform has one; the others never do."""
    return shared_tracking(platform) and project.data_classification not in OWN_SERVER_CLASSIFICATIONS


def shared_with(zone: Zone, project: str) -> tuple[tuple[str, str], ...]:
    """(owner project, model) pairs that other projects of the zone share with `project`."""
    return tuple((p.name, m.name) for p in zone.projects for m in p.models if project in m.share_with)


class ProjectStack(TerraformStack):
    """A team's workspace: its key, boundary, deploy role, and everything the project YAML asks for."""

    def __init__(
        self,
        scope: Construct,
        platform: PlatformSpec,
        project: ProjectSpec,
        target: Target,
        shared_models: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(scope, project.name)
        configure(self, target, platform, project.name)
        tag_everything(self, project_tags(project))
        account = target.account_id(platform)
        state = platform_state(self, platform, target)
        shared = uses_shared_tracking(platform, project)
        wanted = PLATFORM_OUTPUTS | (TRACKING_OUTPUTS if shared else {})
        out = {k: state.get_list(k) if is_list else state.get_string(k) for k, is_list in wanted.items()}
        network = ProjectNetwork(
            self,
            "network",
            ProjectNetworkProps(
                project=project.name,
                vpc_id=out["vpc_id"],
                endpoint_security_group_id=out["endpoint_security_group_id"],
                s3_prefix_list_id=out["s3_prefix_list_id"],
                kinds=project.workload_kinds(),
            ),
        )

        self.key = Key(
            self,
            "data-key",
            KeyProps(
                name=f"{platform.name}-{project.name}-data",
                account_id=account,
                region=platform.region,
                description=f"mlzone project {project.name}: data, volumes, images, endpoints",
                user_arn_patterns=(role_pattern(account, project.name),),
                workload_arn_patterns=(role_pattern(account, "*"),),
                services=(budget_key_grant(account, project.name),) if project.self_service else (),
            ),
        )
        # S3 has no per-prefix default encryption: each project gets its own data bucket, encrypted by default
        # with its own key (docs/keys.md); the roles keep their `<project>/` prefix inside it.
        self.data = Bucket(
            self,
            "data-bucket",
            BucketProps(
                name=data_bucket_name(platform, project),
                kms_key_arn=self.key.arn,
                access_log_bucket=out["access_log_bucket"],
            ),
        )
        unbounded = ProjectScope(
            name=project.name,
            account_id=account,
            region=platform.region,
            key_arn=self.key.arn,
            data_bucket=self.data.name,
            capture_bucket=out["capture_bucket"],
            emr_log_bucket=out["emr_log_bucket"],
            platform_key_arn=out["data_key_arn"],
            vpc_id=out["vpc_id"],
            subnet_ids=out["subnet_ids"],
            security_groups=network.group_ids,
            shared_models=shared_models,
            audit_bucket=platform.bucket_name("audit"),
            audit_key_arn=out["audit_key_arn"],
            subject_key_secret=secret_name(platform.name),
        )
        if shared_models:
            self.add_override(SHARED_MODELS_JSON_PATH, [project_name(owner, model) for owner, model in shared_models])
        if shared:
            unbounded = replace(
                unbounded,
                tracking=TrackingAccess(
                    server_arn=out["tracking_server_arn"],
                    bucket=out["mlflow_bucket"],
                    prefix=(),
                    key_arn=out["data_key_arn"],
                ),
            )
        elif platform.experiment_tracking.enabled and project.runs_experiments():
            unbounded = replace(unbounded, tracking=own_server_access(unbounded))  # where experiments run
        self.boundary = ProjectBoundary(self, "boundary", ProjectBoundaryProps(project=unbounded))
        p = self.scope = replace(unbounded, boundary_arn=self.boundary.arn)
        tracking = None
        if p.tracking and not shared:
            tracking = ProjectTracking(
                self, "experiment-tracking", ProjectTrackingProps(project=p, size=platform.experiment_tracking.size)
            )

        # The project's CI (CodeBuild, as in the SageMaker MLOps templates) builds and pushes images and
        # registers model versions with this role; no human or other account can assume it.
        self.deploy_role = ProjectRole(
            self,
            "deploy-role",
            ProjectRoleProps(
                project=p,
                name="deploy",
                service="codebuild.amazonaws.com",
                statements=(
                    *p.registry_statements(write=True),
                    *p.data_statements(write=False),
                    p.logs_statement(f"/aws/codebuild/{p.pattern}"),
                ),
            ),
        )
        registries = {
            m.name: ModelRegistry(
                self,
                f"model-{m.name}",
                ModelRegistryProps(
                    project=p,
                    model=m.name,
                    share_with=m.share_with,
                    deploy_role_arn=self.deploy_role.arn,
                ),
            )
            for m in project.models
        }
        if project.approvers:  # the only principal that may approve or reject the project's versions
            approver = ApproverRole(
                self,
                "approver-role",
                ApproverRoleProps(
                    project=p,
                    approvers=project.approvers,
                    audit_bucket=platform.bucket_name("audit"),
                    audit_key_arn=state.get_string("audit_key_arn"),
                ),
            )
            TerraformOutput(self, "approver_role_arn", value=approver.arn)
        # Props are built from the spec entries as they are (same field names; defaults and limits are the
        # props' own, modules/settings.py), so the two layers cannot drift apart.
        for i, nb in enumerate(project.notebooks):
            Notebook(self, f"notebook-{nb.owner}", NotebookProps(project=p, subnet_index=i, **spec_fields(nb)))
        for sc in project.spark_clusters:
            SparkCluster(self, f"spark-{sc.name}", SparkClusterProps(project=p, **spec_fields(sc)))
        subject_fields = {m.name: m.subject_field for m in project.models}
        for ep in project.endpoints:
            endpoint = Endpoint(
                self,
                f"endpoint-{ep.name}",
                EndpointProps(
                    project=p,
                    package_group=registries[ep.model].name,
                    subject_field=subject_fields.get(ep.model),
                    **spec_fields(ep, "model"),
                ),
            )
            if ep.version is not None:
                TerraformOutput(self, f"endpoint_{ep.name}", value=endpoint.name)
        for job in project.batch_jobs:
            BatchInference(
                self,
                f"batch-{job.name}",
                BatchInferenceProps(
                    project=p,
                    shipped_files=shipped.files(),
                    subject_field=subject_fields.get(job.model),
                    **spec_fields(job),
                ),
            )
        if project.self_service:  # the budget, and what the project's self-service stack builds on
            budget = Budget(
                self,
                "budget",
                BudgetProps(
                    project=project.name,
                    account_id=account,
                    key_arn=self.key.arn,
                    monthly_usd=project.self_service.monthly_budget_usd,
                ),
            )
            TerraformOutput(self, "budget_topic_arn", value=budget.topic_arn)
            # What `mlzone request` runs as on AWS: only this project's self-service stack, inside its guardrails.
            role = SelfServiceRole(
                self,
                "self-service-role",
                SelfServiceRoleProps(
                    project=p,
                    members=project.self_service.members,
                    notebook_types=project.self_service.notebooks.instance_types,
                    audit_bucket=platform.bucket_name("audit"),
                    state_bucket=target.state_bucket(platform) if target.kind == "aws" else None,
                    state_key_alias=state_key_alias(platform),
                    subnet_count=platform.network.availability_zones,
                ),
            )
            TerraformOutput(self, "self_service_role_arn", value=role.arn)
        outputs = {
            "data_key_arn": self.key.arn,
            "data_prefix": p.s3_uri(p.data_bucket),
            "boundary_arn": self.boundary.arn,
            "deploy_role_arn": self.deploy_role.arn,
        }
        if tracking:
            outputs |= {"tracking_server_arn": tracking.arn, "mlflow_artifact_uri": tracking.artifact_uri}
        for key, value in outputs.items():
            TerraformOutput(self, key, value=value)
        for name, registry in registries.items():
            TerraformOutput(self, f"repository_{name}", value=registry.repository_url)
