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

The default script is the platform's scoring job (`shipped_files`: mlzone/jobs/score.py and the
modules it imports, docs/batch.md), uploaded to `s3://<data-bucket>/<project>/code/<job>/` encrypted with
the project key. A team's own script: set `entry_point` (a key under the project prefix, any PySpark
script; nothing is uploaded then). The job scores the model package version `version:` names (resolved
as `Approved` before any plan, mlzone/resolve.py). Without a `version:` the application and roles
exist but no schedule does, so nothing runs before the first model is registered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cdktf_cdktf_provider_aws.emrserverless_application import EmrserverlessApplication
from cdktf_cdktf_provider_aws.s3_object import S3Object
from cdktf_cdktf_provider_aws.scheduler_schedule import SchedulerSchedule
from constructs import Construct

from modules import scoring_job, subject_keys
from modules.grants import OBJECT_READ, OBJECT_WRITE, allow, grant_key, grant_objects
from modules.model_registry import model_package_arn
from modules.naming import SAGEMAKER_NAME_MAX, check_relative_key
from modules.project_role import ProjectRole, ProjectRoleProps, ProjectScope
from modules.schedule import check_schedule
from modules.settings import BatchJobSettings, check_emr_release
from modules.text import terraform_literal

START_JOB_RUN = "arn:aws:scheduler:::aws-sdk:emrserverless:startJobRun"
ENVIRONMENT = "code/env/batch-env.tar.gz"  # the packed job environment, under the project prefix (CI builds it)
STAGING = "_staging"  # under the project's data prefix: what Spark writes before the commit


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
    shipped_files: tuple[str, ...] = ()
    """The platform's scoring job (local paths: its entry point, then the modules it imports), uploaded
    under code/<name>/ as the default entry point when the job names no `entry_point`."""
    subject_field: str | None = None
    """The model's `subject_field`: the scoring job indexes its predictions by the keyed hash of that column."""

    def __post_init__(self) -> None:
        if self.shipped and self.arguments:
            raise ValueError(
                f"batch job {self.name}: arguments {list(self.arguments)} go to a team's own script only; the "
                "platform's scoring job takes no extra arguments; fix: remove them or set entry_point"
            )
        if self.shipped and self.version is not None and not self.project.audit_bucket:
            raise ValueError(f"batch job {self.name}: the platform's scoring job needs the project's audit bucket")
        if self.shipped and self.subject_field and not self.project.subject_key_secret:
            raise ValueError(f"batch job {self.name}: subject_field needs the project's subject_key_secret")
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
    def shipped(self) -> bool:
        """Whether the job runs the platform's scoring job (not a team's own entry point)."""
        return bool(self.shipped_files) and not self.entry_point

    @property
    def script(self) -> str:
        shipped = Path(self.shipped_files[0]).name if self.shipped_files else "score.py"
        return self.entry_point or f"code/{self.name}/{shipped}"

    @property
    def output(self) -> str:
        return (self.output_prefix or f"predictions/{self.name}/").rstrip("/")


class BatchInference(Construct):
    """Outputs: `arn`, `application_id` (the application), `job_role_arn`, `output_uri`; with a version also
    `schedule_arn` and `model_package_arn`."""

    def __init__(self, scope: Construct, id: str, props: BatchInferenceProps) -> None:
        super().__init__(scope, id)
        p = props.project
        name = p.resource_name(props.name, max_len=SAGEMAKER_NAME_MAX)
        if props.shipped:  # the prediction log; Spark stages in the project's data bucket first
            self.output_uri = f"s3://{p.capture_bucket}/{scoring_job.batch_prefix(p.name, props.name)}"
            writes = shipped_job_statements(props)
        else:
            self.output_uri = p.s3_uri(p.data_bucket, props.output)
            writes = p.prefix_statements("Output", p.data_bucket, (*OBJECT_READ, *OBJECT_WRITE), props.output)
        self.job_role = ProjectRole(
            self,
            "job-role",
            ProjectRoleProps(
                project=p,
                name=f"{props.name}-job",
                service="emr-serverless.amazonaws.com",
                statements=(
                    *p.data_statements(write=False),
                    *writes,
                    *p.prefix_statements("EmrLogs", p.emr_log_bucket, ("s3:PutObject", "s3:GetObject"), props.name),
                    *p.registry_statements(),
                    p.platform_key_statement(("kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey")),
                ),
            ),
        )
        self.application = EmrserverlessApplication(  # "SPARK": the API spelling (moto rejects "spark")
            self,
            "application",
            name=name,
            release_label=props.release_label,
            type="SPARK",
            network_configuration={"subnet_ids": p.subnet_ids, "security_group_ids": [p.security_group("batch")]},
            auto_start_configuration={"enabled": True},
            auto_stop_configuration={"enabled": True, "idle_timeout_minutes": 15},
            maximum_capacity={"cpu": f"{props.max_vcpu} vCPU", "memory": f"{props.max_memory_gb} GB"},
        )
        submit = (
            "--conf spark.hadoop.fs.s3.enableServerSideEncryption=true "
            "--conf spark.hadoop.fs.s3.serverSideEncryption.kms.keyId=" + p.key_arn
        )
        if props.shipped:
            code = f"{p.name}/code/{props.name}"
            for i, file in enumerate(props.shipped_files):
                S3Object(
                    self,
                    f"script-{i}",
                    bucket=p.data_bucket,
                    key=f"{code}/{Path(file).name}",
                    content=terraform_literal(Path(file).read_text()),
                    server_side_encryption="aws:kms",
                    kms_key_id=p.key_arn,
                )
            py_files = ",".join(f"s3://{p.data_bucket}/{code}/{Path(f).name}" for f in props.shipped_files[1:])
            submit += f" --py-files {py_files}" if py_files else ""
            submit += " " + environment_parameters(f"s3://{p.data_bucket}/{p.name}/{ENVIRONMENT}")
        self.application_id = self.application.id
        self.arn = self.application.arn
        self.job_role_arn = self.job_role.arn
        if props.version is None:
            return
        group = p.resource_name(props.model, max_len=SAGEMAKER_NAME_MAX)
        self.model_package_arn = model_package_arn(p, group, props.version)
        job_run = {
            "ApplicationId": self.application.id,
            "ExecutionRoleArn": self.job_role.arn,
            "ClientToken": "<aws.scheduler.execution-id>",
            "Name": name,
            "JobDriver": {
                "SparkSubmit": {
                    "EntryPoint": f"s3://{p.data_bucket}/{p.name}/{props.script}",
                    "EntryPointArguments": self._arguments(props, group),
                    "SparkSubmitParameters": submit,
                }
            },
            "ConfigurationOverrides": {
                "MonitoringConfiguration": {
                    "S3MonitoringConfiguration": {
                        "LogUri": p.s3_uri(p.emr_log_bucket, props.name),
                        "EncryptionKeyArn": p.key_arn,
                    }
                }
            },
        }
        self.scheduler_role = ProjectRole(
            self,
            "scheduler-role",
            ProjectRoleProps(
                project=p,
                name=f"{props.name}-schedule",
                service="scheduler.amazonaws.com",
                statements=(
                    allow("StartJobRun", "emr-serverless:StartJobRun", self.application.arn),
                    p.pass_role_statement("emr-serverless.amazonaws.com", self.job_role.arn, sid="PassJobRole"),
                    grant_key("DecryptSchedule", p.key_arn, "kms:Decrypt"),
                ),
            ),
        )
        self.schedule = SchedulerSchedule(
            self,
            "schedule",
            name=name,
            schedule_expression=props.schedule,
            schedule_expression_timezone=props.timezone,
            kms_key_arn=p.key_arn,
            flexible_time_window={"mode": "OFF"},
            target={
                "arn": START_JOB_RUN,
                "role_arn": self.scheduler_role.arn,
                "input": json.dumps(job_run),
                "retry_policy": {"maximum_retry_attempts": 2, "maximum_event_age_in_seconds": 3600},
            },
        )
        self.schedule_arn = self.schedule.arn

    def _arguments(self, props: BatchInferenceProps, group: str) -> list[str]:
        """The platform's scoring job gets exactly its options (modules/scoring_job.py); a team's own script
        the generic --input/--output/--model/--model-package and its extra arguments."""
        p = props.project
        source = p.s3_uri(p.data_bucket, props.input_prefix.rstrip("/"))
        if not props.shipped:
            return [
                *("--input", source, "--output", self.output_uri),
                *("--model", group, "--model-package", self.model_package_arn),
                *props.arguments,
            ]
        return scoring_job.arguments(
            {
                "--model-package-arn": self.model_package_arn,
                "--input": source,
                "--input-format": props.input_format,
                "--output": self.output_uri,
                "--staging": p.s3_uri(p.data_bucket, STAGING, props.name),
                "--audit-bucket": p.audit_bucket,
                "--job": props.name,
                "--run-id": "<aws.scheduler.execution-id>",
                "--subject-field": props.subject_field,
                "--subject-key-secret": p.subject_key_secret if props.subject_field else None,
            }
        )


def shipped_job_statements(props: BatchInferenceProps) -> list[dict]:
    """What the platform's scoring job writes: its staging prefix (data bucket), its prediction-log prefix and
    the project's subject index (capture bucket, platform key), its run manifests (audit bucket, audit key),
    and reading the subject-key secret when the model names a subject field."""
    p = props.project
    statements = [
        *p.prefix_statements("Staging", p.data_bucket, (*OBJECT_READ, *OBJECT_WRITE), STAGING, props.name),
        grant_objects(
            "PredictionLog", p.capture_bucket, scoring_job.batch_prefix(p.name, props.name).rstrip("/"), "s3:PutObject"
        ),
    ]
    statements += p.run_manifest_statements(props.name)
    if props.subject_field:
        statements += [
            grant_objects("SubjectIndex", p.capture_bucket, f"{p.name}/{subject_keys.INDEX}", "s3:PutObject"),
            p.subject_key_statement(),
        ]
    return statements


def environment_parameters(archive: str) -> str:
    """Spark settings that run the job's Python in the packed virtualenv `archive` (docs/batch.md)."""
    python = "./environment/bin/python"
    return (
        f"--conf spark.archives={archive}#environment "
        f"--conf spark.emr-serverless.driverEnv.PYSPARK_DRIVER_PYTHON={python} "
        f"--conf spark.emr-serverless.driverEnv.PYSPARK_PYTHON={python} "
        f"--conf spark.executorEnv.PYSPARK_PYTHON={python}"
    )
