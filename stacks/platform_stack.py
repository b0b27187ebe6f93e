"""The shared platform stack: keys, private network, audit store and prediction-capture store, plus
the ML pieces projects share: the EMR-log bucket, the prediction log, EMR block public
access and (only with `experiment_tracking.allow_shared_server`) a shared MLflow tracking server.
No workload runs here, so there is no workload security group: each project has its own."""

from __future__ import annotations

from typing import Any

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.emr_block_public_access_configuration import EmrBlockPublicAccessConfiguration
from constructs import Construct

from modules import audit_writers
from modules.audit_storage import AuditStorage, AuditStorageProps, trail_arn
from modules.bucket import Bucket, BucketProps
from modules.capture_storage import CaptureStorage, CaptureStorageProps
from modules.experiment_tracking import ExperimentTracking, ExperimentTrackingProps
from modules.keys import Key, KeyProps, ServiceGrant, cloudtrail_log_readers
from modules.naming import PLATFORM_STACK
from modules.network import Network, NetworkProps
from modules.prediction_log import PredictionLog, PredictionLogProps
from modules.tagging import RequiredTags, tag_everything
from stacks.provider import configure
from stacks.spec import PlatformSpec, spec_fields
from stacks.target import Target


def shared_tracking(platform: PlatformSpec) -> bool:
    """The platform runs the shared MLflow server (an explicit opt-out of a server per project)."""
    return platform.experiment_tracking.enabled and platform.experiment_tracking.allow_shared_server is not None


class PlatformStack(TerraformStack):
    """Everything projects share. Outputs are what project stacks and `mlzone status` read."""

    def __init__(self, scope: Construct, platform: PlatformSpec, target: Target) -> None:
        super().__init__(scope, PLATFORM_STACK)
        configure(self, target, platform, PLATFORM_STACK)
        tag_everything(
            self,
            RequiredTags(
                team=platform.team,
                project=platform.name,
                cost_center=platform.cost_center,
                data_classification="confidential",
            ),
        )
        account, region, name = target.account_id(platform), platform.region, platform.name
        workloads = f"arn:aws:iam::{account}:role/mlzone/*"  # every project role (modules/project_role.py)
        mlflow = (f"arn:aws:iam::{account}:role/{name}-mlflow",) if shared_tracking(platform) else ()
        self.data_key = Key(
            self,
            "data-key",
            KeyProps(
                name=f"{name}-data",
                account_id=account,
                region=region,
                description="mlzone platform data (captures, artifacts)",
                user_arn_patterns=(workloads, *mlflow),  # and the shared MLflow server's role, if there is one
            ),
        )
        self.audit_key = Key(
            self,
            "audit-key",
            KeyProps(
                name=f"{name}-audit",
                account_id=account,
                region=region,
                description="mlzone audit trail and audit bucket",
                services=(ServiceGrant.cloudtrail(account, trail_arn(name, region, account)),),
                statements=(cloudtrail_log_readers(account), audit_writers.key_statement(account, region)),
                break_glass_arn=platform.break_glass_arn(account),
            ),
        )
        self.logs_key = Key(
            self,
            "logs-key",
            KeyProps(
                name=f"{name}-logs",
                account_id=account,
                region=region,
                description="mlzone CloudWatch log groups",
                services=(ServiceGrant.logs(region, account),),
            ),
        )
        self.network = Network(
            self,
            "network",
            NetworkProps(
                name=name,
                region=region,
                account_id=account,
                logs_key_arn=self.logs_key.arn,
                **spec_fields(platform.network),
            ),
        )
        self.audit = AuditStorage(
            self,
            "audit",
            AuditStorageProps(
                prefix=name,
                audit_bucket_name=platform.bucket_name("audit"),
                access_log_bucket_name=platform.bucket_name("access-logs"),
                audit_key_arn=self.audit_key.arn,
                logs_key_arn=self.logs_key.arn,
                account_id=account,
                region=region,
                retention_days=platform.audit.retention_days,
                lock_mode=platform.audit.object_lock_mode,
                allow_governance_mode_reason=getattr(platform.audit.allow_governance_mode, "reason", None),
            ),
        )
        self.captures = CaptureStorage(
            self,
            "captures",
            CaptureStorageProps(
                bucket_name=platform.bucket_name("predictions"),
                kms_key_arn=self.data_key.arn,
                access_log_bucket=self.audit.access_log_bucket_name,
                **spec_fields(platform.predictions),
            ),
        )
        # ---- ML platform pieces shared by the project stacks
        shared: dict[str, Any] = {
            "kms_key_arn": self.data_key.arn,
            "access_log_bucket": self.audit.access_log_bucket_name,
        }
        self.emr_logs = Bucket(
            self,
            "emr-logs",
            BucketProps(
                name=platform.bucket_name("emr-logs"),
                expire_after_days=90,
                **shared,
            ),
        )
        self.athena_results = Bucket(
            self,
            "athena-results",
            BucketProps(
                name=platform.bucket_name("athena"),
                expire_after_days=30,
                **shared,
            ),
        )
        self.prediction_log = PredictionLog(
            self,
            "prediction-log",
            PredictionLogProps(
                name=name,
                capture_bucket=self.captures.name,
                results_bucket=self.athena_results.name,
                kms_key_arn=self.data_key.arn,
            ),
        )
        # A per-region account setting: no EMR cluster may open a port to the internet.
        EmrBlockPublicAccessConfiguration(self, "emr-block-public-access", block_public_security_group_rules=True)
        ml_outputs = {
            "emr_log_bucket": self.emr_logs.name,
            "prediction_log_database": self.prediction_log.database_name,
            "prediction_log_workgroup": self.prediction_log.workgroup_name,
        }
        if shared_tracking(platform):
            self.tracking = ExperimentTracking(
                self,
                "experiment-tracking",
                ExperimentTrackingProps(
                    name=name,
                    account_id=account,
                    bucket_name=platform.bucket_name("mlflow"),
                    kms_key_arn=self.data_key.arn,
                    access_log_bucket=self.audit.access_log_bucket_name,
                    size=platform.experiment_tracking.size,
                ),
            )
            ml_outputs |= {"mlflow_bucket": self.tracking.bucket_name, "tracking_server_arn": self.tracking.arn}
        outputs = {
            **ml_outputs,
            "vpc_id": self.network.vpc_id,
            "subnet_ids": self.network.subnet_ids,
            "endpoint_security_group_id": self.network.endpoint_security_group_id,
            "s3_prefix_list_id": self.network.s3_prefix_list_id,
            "data_key_arn": self.data_key.arn,
            "audit_key_arn": self.audit_key.arn,
            "logs_key_arn": self.logs_key.arn,
            "audit_bucket": self.audit.name,
            "access_log_bucket": self.audit.access_log_bucket_name,
            "capture_bucket": self.captures.name,
            "trail_arn": self.audit.trail_arn,
        }
        for key, value in outputs.items():
            TerraformOutput(self, key, value=value)
