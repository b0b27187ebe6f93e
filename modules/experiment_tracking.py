"""Experiment tracking for every project: a SageMaker managed MLflow tracking server.

Secure defaults:
- The artifact store is a platform bucket with every `Bucket` default (SSE-KMS with the platform
  data key, public access blocked, TLS only, versioned, access-logged).
- The server's role may read and write that bucket and use its key, nothing else.
- Automatic registration into the SageMaker model registry is off: models are registered in each
  project's own model package groups by the project's deploy role, not by the shared server.
- There is no network path to the server: clients reach it through IAM-authenticated
  `sagemaker-mlflow` API calls. Projects get access through their roles
  (`ProjectScope.mlflow_statements`), which also confine their artifacts to
  `s3://<mlflow-bucket>/<project>/`: create experiments with
  `mlflow.create_experiment(name, artifact_location="s3://<mlflow-bucket>/<project>/<name>")`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.sagemaker_mlflow_tracking_server import SagemakerMlflowTrackingServer
from constructs import Construct

from modules.bucket import Bucket, BucketProps
from modules.iam import assume_role_policy, policy_document


@dataclass(frozen=True, kw_only=True)
class ExperimentTrackingProps:
    """One tracking server shared by the projects of a platform."""

    name: str  # platform name; the server is <name>-mlflow
    account_id: str  # the role trusts SageMaker for this account only
    bucket_name: str  # artifact store bucket (created here)
    kms_key_arn: str  # encrypts the artifact store
    access_log_bucket: str  # S3 access logs of the artifact store
    size: Literal["Small", "Medium", "Large"] = "Small"  # tracking server size
    maintenance_window: str = "Sun:03:00"  # weekly maintenance start (UTC)


class ExperimentTracking(Construct):
    """Outputs: `arn`, `name`, `tracking_uri`, `bucket_name`, `role_arn`."""

    def __init__(self, scope: Construct, id: str, props: ExperimentTrackingProps) -> None:
        super().__init__(scope, id)
        self.bucket = Bucket(self, "artifacts", BucketProps(
            name=props.bucket_name, kms_key_arn=props.kms_key_arn, access_log_bucket=props.access_log_bucket,
        ))
        bucket_arn = f"arn:aws:s3:::{props.bucket_name}"
        role = IamRole(
            self, "role", name=f"{props.name}-mlflow",
            assume_role_policy=assume_role_policy("sagemaker.amazonaws.com", props.account_id),
        )
        policy = IamRolePolicy(self, "policy", role=role.id, name="artifact-store", policy=policy_document(
            {"Sid": "Artifacts", "Effect": "Allow",
             "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
             "Resource": f"{bucket_arn}/*"},
            {"Sid": "ArtifactBucket", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
             "Resource": bucket_arn},
            {"Sid": "ArtifactKey", "Effect": "Allow",
             "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], "Resource": props.kms_key_arn},
        ))
        self.server = SagemakerMlflowTrackingServer(
            self, "server", tracking_server_name=f"{props.name}-mlflow", role_arn=role.arn,
            artifact_store_uri=f"s3://{props.bucket_name}/", tracking_server_size=props.size,
            automatic_model_registration=False, weekly_maintenance_window_start=props.maintenance_window,
            depends_on=[policy, self.bucket.policy],
        )
        self.arn = self.server.arn
        self.name = self.server.tracking_server_name
        self.tracking_uri = self.server.tracking_server_url
        self.bucket_name = self.bucket.name
        self.role_arn = role.arn
