"""Scheduled batch scoring on Spark, without an endpoint: an EMR Serverless application plus an
EventBridge Scheduler schedule that starts one job run per tick.

Secure defaults:
- The application runs only inside the platform VPC's private subnets with the project's `batch`
  security group (HTTPS to the AWS endpoints and S3 only; nothing reaches it), stops itself after
  15 idle minutes, and is capped (vCPU/memory) so a bad job cannot burn the budget.
- The job run's role (bounded by the project boundary) may read the project's data prefix, write
  only the job's output prefix, read the model registry, and write its logs under the project's EMR
  log prefix. Everything the job writes is SSE-KMS with the project key (EMRFS settings passed with
  every run), and its logs are encrypted with the project key too.
- The schedule's role may start runs of *this* application and pass *this* job role, nothing else;
  the schedule payload is encrypted with the project key.

Pointing the job at your scoring script: upload it to
`s3://<data-bucket>/<project>/<entry_point>` (default `code/<job>/score.py`) — any PySpark script
works. Each run calls it with `--input s3://<data-bucket>/<project>/<input_prefix>`,
`--output s3://<data-bucket>/<project>/<output_prefix>` and `--model <project>--<model>` (the model
package group to load the approved version from). To use another script, change `entry_point`
in the project YAML; to pass more arguments, add `arguments:`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.emrserverless_application import EmrserverlessApplication
from cdktf_cdktf_provider_aws.scheduler_schedule import SchedulerSchedule
from constructs import Construct

from modules.grants import OBJECT_READ, OBJECT_WRITE, allow, grant_key
from modules.naming import SAGEMAKER_NAME_MAX, check_relative_key
from modules.project_role import ProjectRole, ProjectRoleProps, ProjectScope
from modules.schedule import check_schedule
from modules.settings import BatchJobSettings, check_emr_release

START_JOB_RUN = "arn:aws:scheduler:::aws-sdk:emrserverless:startJobRun"


@dataclass(frozen=True, kw_only=True)
class BatchInferenceProps(BatchJobSettings):
    """One scheduled scoring job of one model (script, prefixes, arguments, release: `BatchJobSettings`)."""

    project: ProjectScope
    """The project (key, prefixes, network, boundary)."""
    name: str
    """Job name; the application and schedule are <project>--<name>."""
    model: str
    """The model it scores with; passed to the script as --model <project>--<model>."""
    schedule: str
    """EventBridge Scheduler expression, e.g. cron(0 2 * * ? *)."""
    max_vcpu: int = 16
    """Application capacity ceiling (vCPU)."""
    max_memory_gb: int = 64
    """Application capacity ceiling (GB)."""
    timezone: str = "UTC"
    """Time zone of the cron expression."""

    def __post_init__(self) -> None:
        try:
            check_schedule(self.schedule)
            for field in ("entry_point", "input_prefix", "output_prefix"):
                if getattr(self, field):
                    check_relative_key(getattr(self, field))
        except ValueError as exc:
            raise ValueError(f"batch job {self.name}: {exc}") from None
        try:
            check_emr_release(self.release_label)
        except ValueError as exc:
            raise ValueError(f"batch job {self.name}: release_label {exc}") from None

    @property
    def script(self) -> str:
        return self.entry_point or f"code/{self.name}/score.py"

    @property
    def output(self) -> str:
        return (self.output_prefix or f"predictions/{self.name}/").rstrip("/")


class BatchInference(Construct):
    """Outputs: `arn`, `application_id` (the application), `schedule_arn`, `job_role_arn`, `output_uri`."""

    def __init__(self, scope: Construct, id: str, props: BatchInferenceProps) -> None:
        super().__init__(scope, id)
        p = props.project
        name = p.resource_name(props.name, max_len=SAGEMAKER_NAME_MAX)
        self.output_uri = p.s3_uri(p.data_bucket, props.output)
        self.job_role = ProjectRole(self, "job-role", ProjectRoleProps(
            project=p, name=f"{props.name}-job", service="emr-serverless.amazonaws.com", statements=(
                *p.data_statements(write=False),
                *p.prefix_statements("Output", p.data_bucket, (*OBJECT_READ, *OBJECT_WRITE), props.output),
                *p.prefix_statements("EmrLogs", p.emr_log_bucket, ("s3:PutObject", "s3:GetObject"), props.name),
                *p.registry_statements(),
                p.platform_key_statement(("kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey")),
            ),
        ))
        self.application = EmrserverlessApplication(  # "SPARK": the API spelling (moto rejects "spark")
            self, "application", name=name, release_label=props.release_label, type="SPARK",
            network_configuration={"subnet_ids": p.subnet_ids, "security_group_ids": [p.security_group("batch")]},
            auto_start_configuration={"enabled": True},
            auto_stop_configuration={"enabled": True, "idle_timeout_minutes": 15},
            maximum_capacity={"cpu": f"{props.max_vcpu} vCPU", "memory": f"{props.max_memory_gb} GB"},
        )
        emrfs_kms = (
            "--conf spark.hadoop.fs.s3.enableServerSideEncryption=true "
            "--conf spark.hadoop.fs.s3.serverSideEncryption.kms.keyId=" + p.key_arn
        )
        job_run = {
            "ApplicationId": self.application.id,
            "ExecutionRoleArn": self.job_role.arn,
            "ClientToken": "<aws.scheduler.execution-id>",
            "Name": name,
            "JobDriver": {"SparkSubmit": {
                "EntryPoint": f"s3://{p.data_bucket}/{p.name}/{props.script}",
                "EntryPointArguments": [
                    "--input", p.s3_uri(p.data_bucket, props.input_prefix.rstrip("/")),
                    "--output", self.output_uri, "--model", p.resource_name(props.model, max_len=SAGEMAKER_NAME_MAX),
                    *props.arguments,
                ],
                "SparkSubmitParameters": emrfs_kms,
            }},
            "ConfigurationOverrides": {"MonitoringConfiguration": {"S3MonitoringConfiguration": {
                "LogUri": p.s3_uri(p.emr_log_bucket, props.name), "EncryptionKeyArn": p.key_arn,
            }}},
        }
        self.scheduler_role = ProjectRole(self, "scheduler-role", ProjectRoleProps(
            project=p, name=f"{props.name}-schedule", service="scheduler.amazonaws.com", statements=(
                allow("StartJobRun", "emr-serverless:StartJobRun", self.application.arn),
                p.pass_role_statement("emr-serverless.amazonaws.com", self.job_role.arn, sid="PassJobRole"),
                grant_key("DecryptSchedule", p.key_arn, "kms:Decrypt"),
            ),
        ))
        self.schedule = SchedulerSchedule(
            self, "schedule", name=name, schedule_expression=props.schedule,
            schedule_expression_timezone=props.timezone, kms_key_arn=p.key_arn,
            flexible_time_window={"mode": "OFF"},
            target={
                "arn": START_JOB_RUN, "role_arn": self.scheduler_role.arn, "input": json.dumps(job_run),
                "retry_policy": {"maximum_retry_attempts": 2, "maximum_event_age_in_seconds": 3600},
            },
        )
        self.application_id = self.application.id
        self.arn = self.application.arn
        self.schedule_arn = self.schedule.arn
        self.job_role_arn = self.job_role.arn
