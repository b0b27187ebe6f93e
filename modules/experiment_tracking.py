"""Experiment tracking: SageMaker managed MLflow tracking servers.

MLflow's `sagemaker-mlflow:*` actions have no resource finer than the server: whoever may use a
server may read and change every experiment and run on it. So by default **every project has its
own server** (`ProjectTracking`, `<project>--mlflow`): its role is a project role (bounded by the
project boundary) that may read and write only `s3://<data-bucket>/<project>/mlflow/` with the
project key, and only the project's roles are granted that server. Create experiments with
`mlflow.create_experiment(name, artifact_location="s3://<data-bucket>/<project>/mlflow/<name>")`.

The platform's shared server (`ExperimentTracking`, `<platform>-mlflow`) exists only when
`experiment_tracking.allow_shared_server: {reason: ...}` is set in `platform.yaml`. It then
serves every `public`/`internal` project (each keeps its artifacts under
`s3://<mlflow-bucket>/<project>/`, encrypted with the platform key), and **shares** the experiment
and run metadata: any of those projects can list, read and change the others' experiments, runs,
parameters, metrics and tags. `confidential` and `restricted` projects always get their own server.

Secure defaults of both: SSE-KMS artifact store with public access blocked and TLS only; automatic
registration into the SageMaker model registry off (models are registered in each project's own
model package groups by its deploy role); no network path to the server (clients use
IAM-authenticated `sagemaker-mlflow` API calls through the VPC endpoints).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.sagemaker_mlflow_tracking_server import SagemakerMlflowTrackingServer
from constructs import Construct

from modules.bucket import Bucket, BucketProps
from modules.grants import KEY_READ_WRITE, OBJECT_READ, OBJECT_WRITE, allow, grant_key
from modules.project_role import ProjectRole, ProjectRoleProps, ProjectScope, TrackingAccess
from modules.service_role import ServiceRole, ServiceRoleProps
from modules.settings import TrackingSettings

SAGEMAKER = "sagemaker.amazonaws.com"
OWN_SERVER_CLASSIFICATIONS = ("confidential", "restricted")  # never on a shared server


@dataclass(frozen=True, kw_only=True)
class ExperimentTrackingProps(TrackingSettings):
    """The optional tracking server shared by the public/internal projects of a platform."""

    name: str
    """Platform name; the server is <name>-mlflow."""
    account_id: str
    """The role trusts SageMaker for this account only."""
    bucket_name: str
    """Artifact store bucket (created here)."""
    kms_key_arn: str
    """Encrypts the artifact store."""
    access_log_bucket: str
    """S3 access logs of the artifact store."""
    maintenance_window: str = "Sun:03:00"
    """Weekly maintenance start (UTC)."""


class ExperimentTracking(Construct):
    """Outputs: `arn`, `name`, `tracking_uri`, `bucket_name`, `role_arn`."""

    def __init__(self, scope: Construct, id: str, props: ExperimentTrackingProps) -> None:
        super().__init__(scope, id)
        self.bucket = Bucket(
            self,
            "artifacts",
            BucketProps(
                name=props.bucket_name,
                kms_key_arn=props.kms_key_arn,
                access_log_bucket=props.access_log_bucket,
            ),
        )
        bucket_arn = f"arn:aws:s3:::{props.bucket_name}"
        # The whole bucket: the server stores every project's artifacts, each under its own <project>/ prefix.
        role = ServiceRole(
            self,
            "",
            ServiceRoleProps(
                name=f"{props.name}-mlflow",
                service=SAGEMAKER,
                account_id=props.account_id,
                policy_name="artifact-store",
                statements=(
                    allow(
                        "Artifacts",
                        ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"),
                        f"{bucket_arn}/*",
                    ),
                    allow("ArtifactBucket", ("s3:ListBucket", "s3:GetBucketLocation"), bucket_arn),
                    grant_key("ArtifactKey", props.kms_key_arn, KEY_READ_WRITE),
                ),
            ),
        )
        self.server = SagemakerMlflowTrackingServer(
            self,
            "server",
            tracking_server_name=f"{props.name}-mlflow",
            role_arn=role.arn,
            artifact_store_uri=f"s3://{props.bucket_name}/",
            tracking_server_size=props.size,
            automatic_model_registration=False,
            weekly_maintenance_window_start=props.maintenance_window,
            depends_on=[role.policy, self.bucket.policy],
        )
        self.arn = self.server.arn
        self.name = self.server.tracking_server_name
        self.tracking_uri = self.server.tracking_server_url
        self.bucket_name = self.bucket.name
        self.role_arn = role.arn


def own_server_access(project: ProjectScope) -> TrackingAccess:
    """Where a project's own server lives (its ARN is known before the server exists, for the boundary)."""
    name = project.resource_name("mlflow", max_len=63)
    return TrackingAccess(
        server_arn=project.arn("sagemaker", f"mlflow-tracking-server/{name}"),
        bucket=project.data_bucket,
        prefix=("mlflow",),
        key_arn=project.key_arn,
    )


@dataclass(frozen=True, kw_only=True)
class ProjectTrackingProps(TrackingSettings):
    """A project's own tracking server; `project.tracking` must be `own_server_access(project)`."""

    project: ProjectScope
    """The project (boundary, data prefix, key)."""
    maintenance_window: str = "Sun:03:00"
    """Weekly maintenance start (UTC)."""

    def __post_init__(self) -> None:
        if self.project.tracking != own_server_access(self.project):
            raise ValueError(
                f"project {self.project.name}: tracking is not its own server; "
                "fix: set ProjectScope.tracking=own_server_access(scope)"
            )


class ProjectTracking(Construct):
    """Outputs: `arn`, `name`, `tracking_uri`, `artifact_uri`, `role_arn`."""

    def __init__(self, scope: Construct, id: str, props: ProjectTrackingProps) -> None:
        super().__init__(scope, id)
        p, access = props.project, props.project.tracking
        assert access is not None, "checked by ProjectTrackingProps.__post_init__"
        self.artifact_uri = p.s3_uri(access.bucket, *access.prefix)
        self.role = ProjectRole(
            self,
            "role",
            ProjectRoleProps(
                project=p,
                name="mlflow",
                service=SAGEMAKER,
                statements=tuple(
                    p.prefix_statements(
                        "Artifacts",
                        access.bucket,
                        (*OBJECT_READ, *OBJECT_WRITE),
                        *access.prefix,
                        key_arn=access.key_arn,
                        key_sid="ArtifactKey",
                    ),
                ),
            ),
        )
        self.server = SagemakerMlflowTrackingServer(
            self,
            "server",
            tracking_server_name=p.resource_name("mlflow", max_len=63),
            role_arn=self.role.arn,
            artifact_store_uri=self.artifact_uri,
            tracking_server_size=props.size,
            automatic_model_registration=False,
            weekly_maintenance_window_start=props.maintenance_window,
            depends_on=[self.role.policy],
        )
        self.arn = self.server.arn
        self.name = self.server.tracking_server_name
        self.tracking_uri = self.server.tracking_server_url
        self.role_arn = self.role.arn
