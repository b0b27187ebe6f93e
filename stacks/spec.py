"""The YAML schema users write: `platform.yaml` and `projects/<name>.yaml`.

Everything is validated here, before any construct is built. A bad spec raises `SpecError`,
whose message names the file, the field path, a short excerpt of the bad value and the fix, and
never exceeds `stacks.spec_file.MESSAGE_MAX` characters. Reading a file safely (size, encoding,
links, YAML depth, aliases, duplicate keys) is `stacks/spec_file.py`.

How spec text is kept out of Terraform's template language: every string field of every model
either has a grammar (names, instance types, schedules, paths, ...) that admits neither `$` nor
`%`, or is free text (`FreeText`: `allow_*` reasons, batch job arguments). `SpecModel`, the base
of every model, passes *every* string value, grammar or not, through
`modules.text.terraform_literal` after its own validation, so the validated models that stacks
and props are built from hold text Terraform reads literally. A new field inherits this; a test
walks every string field of both models with `${...}`/`%{...}` payloads (tests/unit/test_escaping.py).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import AfterValidator, BaseModel, Field, ValidationError, field_validator, model_validator

from modules.limits import AUDIT_RETENTION_DAYS, CAPTURE_MIN_PERCENT, REASON_MIN_CHARS, audit_min_retention_days
from modules.naming import (
    BUCKET_NAME_MAX,
    CONTENT_SUFFIX_LEN,
    IAM_ROLE_NAME_MAX,
    PLATFORM_STACK,
    SAGEMAKER_NAME_MAX,
    SELF_SERVICE_SUFFIX,
    check_bucket_name,
    check_relative_key,
    project_name,
)
from modules.schedule import check_schedule
from modules.settings import (
    AuditSettings,
    BatchJobSettings,
    CaptureSettings,
    EndpointSettings,
    LockMode,
    NetworkSettings,
    NotebookSettings,
    Size,
    SparkClusterSettings,
    TrackingSettings,
    check_emr_release,
    default_of,
    limits_of,
)
from modules.text import excerpt
from stacks.self_service_spec import SelfServiceSpec
from stacks.spec_base import ML_INSTANCE_RE, MlInstance, SpecModel, _name, items, named  # noqa: F401
from stacks.spec_file import SpecError, read_yaml

REGION_RE = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-[0-9]")
# Purposes of the platform buckets, named <platform>-<purpose>-<region> (see PlatformSpec.bucket_name);
# each project's data bucket is named by `data_bucket_name` below.
BUCKET_PURPOSES = ("audit", "access-logs", "predictions", "mlflow", "emr-logs", "athena")
PROBLEMS_SHOWN = 6  # problems listed per file (the count of the rest is given)
LINE_MAX = 280  # characters per listed problem


def _cost_center(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", value):
        raise ValueError(
            f"cost center {excerpt(value)} is not a valid tag value; fix: letters, digits, '.', '_', '-' (max 64)"
        )
    return value


FREE_TEXT_MAX = 500
FREE_TEXT_MARK = "x-mlzone-free-text"  # JSON Schema keyword marking the fields without a grammar


def _free_text(value: str) -> str:
    if len(value) > FREE_TEXT_MAX:
        raise ValueError(f"text of {len(value)} characters; fix: use at most {FREE_TEXT_MAX}")
    if any(not ch.isprintable() for ch in value):
        raise ValueError(
            f"{excerpt(value)} contains control characters; fix: write it on one line, printable text only"
        )
    return value


# Text without a grammar. It reaches Terraform escaped (see the module docstring), never evaluated.
FreeText = Annotated[str, AfterValidator(_free_text), Field(json_schema_extra={FREE_TEXT_MARK: True})]
Team = Annotated[str, named("team")]
CostCenter = Annotated[str, AfterValidator(_cost_center)]
ProjectName = Annotated[str, named("project name", max_len=32)]


def setting(settings: type, name: str, description: str, **extra: Any) -> Any:
    """A spec field whose default and range are the construct's own (`modules/settings.py`), never repeated here;
    `extra` adds what only the spec enforces (e.g. a policy minimum)."""
    bounds = dict(zip(("ge", "le"), limits_of(settings, name) or (), strict=False))
    return Field(default_of(settings, name), description=description, **{**bounds, **extra})


def spec_fields(entry: BaseModel, *leave_out: str) -> dict[str, Any]:
    """The fields a spec entry sets, as keyword arguments of the props it becomes (the same names);
    the fields left unset take the props' defaults, which are the spec's too."""
    return entry.model_dump(exclude_unset=True, exclude=set(leave_out))


class Allow(SpecModel):
    """An explicit opt-out from a secure default. The reason is kept in Git review."""

    reason: FreeText = Field(
        min_length=REASON_MIN_CHARS,
        description=f"Why the secure default does not fit (>= {REASON_MIN_CHARS} characters besides spaces).",
    )

    @field_validator("reason")
    @classmethod
    def _real_reason(cls, value: str) -> str:
        if len(value.strip()) < REASON_MIN_CHARS:
            raise ValueError(
                f"the reason has {len(value.strip())} characters besides spaces; fix: say in at least "
                f"{REASON_MIN_CHARS} characters why the secure default does not fit"
            )
        return value


# --------------------------------------------------------------------------- platform

RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


class NetworkSpec(SpecModel):
    cidr: str = setting(NetworkSettings, "cidr", "VPC CIDR: a private (RFC 1918) range from /16 to /24.")
    availability_zones: int = setting(
        NetworkSettings,
        "availability_zones",
        "Private subnets are spread over this many AZs ({}-{}).".format(
            *limits_of(NetworkSettings, "availability_zones") or ()
        ),
    )

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}", value):
            raise ValueError(f"{excerpt(value)} is not an IPv4 network; fix: write it like 10.20.0.0/16")
        try:
            net = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(
                f"{excerpt(value)} is not an IPv4 network ({exc}); fix: write it like 10.20.0.0/16"
            ) from None
        if not any(net.subnet_of(private) for private in RFC1918):
            raise ValueError(
                f"{excerpt(value)} is not a private range; fix: use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
            )
        if not 16 <= net.prefixlen <= 24:
            raise ValueError(f"{excerpt(value)} has prefix /{net.prefixlen}; fix: AWS VPCs take /16 to /24")
        return value


class AuditSpec(SpecModel):
    retention_days: int = setting(
        AuditSettings,
        "retention_days",
        f"Object Lock retention of audit logs (days); at least the platform minimum "
        f"({AUDIT_RETENTION_DAYS}, or MLZONE_AUDIT_MIN_RETENTION_DAYS).",
    )
    object_lock_mode: LockMode = setting(
        AuditSettings,
        "lock_mode",
        "COMPLIANCE: nobody can delete before expiry. GOVERNANCE needs allow_governance_mode.",
    )
    allow_governance_mode: Allow | None = Field(None, description="Opt-out: permit GOVERNANCE mode, with a reason.")
    break_glass_role_arn: str | None = Field(
        None,
        description=(
            "The only principal that may delete, disable or re-policy the audit key (docs/keys.md); "
            "default arn:aws:iam::<account_id>:role/mlzone-break-glass."
        ),
    )

    @field_validator("break_glass_role_arn")
    @classmethod
    def _break_glass(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"arn:aws:iam::\d{12}:role/[\w+=,.@/-]{1,512}", value):
            raise ValueError(f"{value!r} is not an IAM role ARN; fix: write arn:aws:iam::<account>:role/<name>")
        return value

    @field_validator("retention_days")
    @classmethod
    def _minimum(cls, value: int) -> int:
        minimum = audit_min_retention_days()
        if value < minimum:
            raise ValueError(
                f"{value} days is under the platform minimum of {minimum} days that the policy gate "
                f"enforces (CKV_MLZ_6); fix: use at least {minimum}"
            )
        return value

    @model_validator(mode="after")
    def _governance_needs_reason(self) -> AuditSpec:
        if self.object_lock_mode == "GOVERNANCE" and self.allow_governance_mode is None:
            raise ValueError(
                "object_lock_mode GOVERNANCE lets privileged users delete audit logs; "
                "fix: keep COMPLIANCE, or add allow_governance_mode: {reason: ...}"
            )
        return self


class PredictionsSpec(SpecModel):
    expiry_days: int = setting(CaptureSettings, "expiry_days", "Captured requests/responses expire after this (GDPR).")


class ExperimentTrackingSpec(SpecModel):
    enabled: bool = Field(True, description="Run a SageMaker managed MLflow tracking server.")
    size: Size = setting(TrackingSettings, "size", "Tracking server size.")
    allow_shared_server: Allow | None = Field(
        None,
        description=(
            "Opt-out: one platform server for public/internal projects, which then see and change each other's "
            "experiments and runs (confidential/restricted projects keep their own). Default: a server per project."
        ),
    )


class PlatformSpec(SpecModel):
    name: Annotated[str, named("platform name", max_len=24, min_len=3)] = Field(
        description="Platform name, a prefix of every shared resource (3-24 chars)."
    )
    region: str = Field(description="AWS region, e.g. eu-west-1.")
    team: Team = Field("platform", description="Team that owns the platform stack (tag).")
    cost_center: CostCenter = Field("platform", description="Cost center of the shared resources (tag).")
    account_id: str | None = Field(None, description="AWS account id (12 digits); required by --target aws.")
    state_bucket: str | None = Field(None, description="Terraform state bucket for --target aws.")
    network: NetworkSpec = Field(NetworkSpec(), description="The private network every project runs in.")
    audit: AuditSpec = Field(AuditSpec(), description="The audit trail and its Object-Locked bucket.")
    predictions: PredictionsSpec = Field(PredictionsSpec(), description="The shared prediction-capture bucket.")
    experiment_tracking: ExperimentTrackingSpec = Field(
        ExperimentTrackingSpec(), description="The MLflow tracking server."
    )

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not REGION_RE.fullmatch(value):
            raise ValueError(f"{excerpt(value)} is not an AWS region; fix: write it like eu-west-1")
        return value

    @field_validator("account_id")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9]{12}", value):
            raise ValueError(f"{excerpt(value)} is not a 12-digit AWS account id; fix: quote it, e.g. '123456789012'")
        return value

    @field_validator("state_bucket")
    @classmethod
    def _state_bucket(cls, value: str | None) -> str | None:
        return value if value is None else check_bucket_name(value)

    @model_validator(mode="after")
    def _break_glass_in_account(self) -> PlatformSpec:
        arn = self.audit.break_glass_role_arn
        if arn and self.account_id and arn.split(":")[4] != self.account_id:
            raise ValueError(
                f"audit.break_glass_role_arn {arn!r} is not in account {self.account_id}; "
                "fix: name a role of the platform account"
            )
        return self

    def break_glass_arn(self, account_id: str) -> str:
        """The audit key's break-glass principal (`audit.break_glass_role_arn`, or the default role name)."""
        return self.audit.break_glass_role_arn or f"arn:aws:iam::{account_id}:role/mlzone-break-glass"

    @model_validator(mode="after")
    def _bucket_names_fit(self) -> PlatformSpec:
        for purpose in BUCKET_PURPOSES:
            check_bucket_name(self.bucket_name(purpose))
        return self

    def bucket_name(self, purpose: str) -> str:
        """Deterministic name of a platform bucket, e.g. `acme-ml-audit-eu-west-1`."""
        return f"{self.name}-{purpose}-{self.region}"


# --------------------------------------------------------------------------- project

INSTANCE_RE = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9]+")


class NotebookSpec(SpecModel):
    owner: Annotated[str, named("owner")] = Field(
        description="User the notebook belongs to; names the instance <project>--<owner>."
    )
    instance_type: MlInstance = setting(NotebookSettings, "instance_type", "SageMaker notebook instance type.")
    volume_size_gb: int = setting(NotebookSettings, "volume_size_gb", "Encrypted EBS volume size.")
    idle_stop_minutes: int | None = setting(
        NotebookSettings, "idle_stop_minutes", "Stop after this many idle minutes; null: never."
    )


class SparkClusterSpec(SpecModel):
    name: Annotated[str, named("spark cluster name")] = Field(description="Cluster name, unique in the project.")
    release_label: str = setting(SparkClusterSettings, "release_label", "EMR release (7.x).")
    master_instance_type: str = setting(SparkClusterSettings, "master_instance_type", "EC2 type of the primary node.")
    core_instance_type: str = setting(SparkClusterSettings, "core_instance_type", "EC2 type of the core nodes.")
    core_nodes: int = setting(SparkClusterSettings, "core_nodes", "Core nodes at start.")
    max_nodes: int | None = setting(
        SparkClusterSettings, "max_nodes", "Managed scaling ceiling; default 2 x core_nodes."
    )
    idle_timeout_minutes: int = setting(
        SparkClusterSettings, "idle_timeout_minutes", "Auto-terminate after idle (5 min - 7 days)."
    )

    @field_validator("release_label")
    @classmethod
    def _release(cls, value: str) -> str:
        return check_emr_release(value)

    @field_validator("master_instance_type", "core_instance_type")
    @classmethod
    def _ec2_type(cls, value: str) -> str:
        if not INSTANCE_RE.fullmatch(value) or value.startswith("ml."):
            raise ValueError(f"{excerpt(value)} is not an EC2 instance type; fix: write it like m5.xlarge")
        return value

    @model_validator(mode="after")
    def _scaling(self) -> SparkClusterSpec:
        if self.max_nodes is not None and self.max_nodes < self.core_nodes:
            raise ValueError(f"max_nodes {self.max_nodes} < core_nodes {self.core_nodes}; fix: raise max_nodes")
        return self


class ModelSpec(SpecModel):
    name: Annotated[str, named("model name")] = Field(
        description="Model name: a model package group and an ECR repository."
    )
    share_with: tuple[ProjectName, ...] = items("Other projects granted read access to this model.")
    subject_field: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
        description="The request field that identifies the data subject (e.g. customer_id): predictions "
        "are indexed by its keyed hash so `mlzone erase --subject` can find them.",
    )


ModelRef = Annotated[str, named("model name")]


class EndpointSpec(SpecModel):
    name: Annotated[str, named("endpoint name")] = Field(description="Endpoint name, unique in the project.")
    model: ModelRef = Field(description="A model of this project (models[].name).")
    version: int | None = setting(
        EndpointSettings,
        "version",
        "Approved version of the model's package group to serve (an integer); omit it until one exists.",
        ge=1,
    )
    instance_type: MlInstance = setting(EndpointSettings, "instance_type", "SageMaker hosting instance type.")
    min_instances: int = setting(EndpointSettings, "min_instances", "Autoscaling minimum.")
    max_instances: int = setting(EndpointSettings, "max_instances", "Autoscaling maximum.")
    capture_percent: int = setting(
        EndpointSettings,
        "capture_percent",
        f"Share of requests captured into the prediction log ({CAPTURE_MIN_PERCENT}-100).",
        ge=CAPTURE_MIN_PERCENT,
    )

    @model_validator(mode="after")
    def _capacity(self) -> EndpointSpec:
        if self.min_instances > self.max_instances:
            raise ValueError(
                f"min_instances {self.min_instances} > max_instances {self.max_instances}; fix: raise max_instances"
            )
        return self


class BatchJobSpec(SpecModel):
    name: Annotated[str, named("batch job name")] = Field(description="Batch scoring job name, unique in the project.")
    model: ModelRef = Field(description="A model of this project (models[].name).")
    schedule: str = Field(description="EventBridge Scheduler expression: cron(m h dom mon dow yr) or rate(N unit).")
    version: int | None = setting(
        BatchJobSettings,
        "version",
        "Approved version of the model's package group to score with (an integer); omit it until one exists.",
        ge=1,
    )
    entry_point: str | None = setting(
        BatchJobSettings, "entry_point", "Scoring script, a key under the project prefix; default code/<name>/score.py."
    )
    input_prefix: str = setting(BatchJobSettings, "input_prefix", "Input data, a prefix under the project prefix.")
    output_prefix: str | None = setting(
        BatchJobSettings,
        "output_prefix",
        "Where predictions go, a prefix under the project prefix; default predictions/<name>/.",
    )
    arguments: tuple[FreeText, ...] = Field(
        (),
        strict=False,
        max_length=20,
        description="Extra arguments passed to the script after --input, --output and --model (text, at most 20).",
    )

    @field_validator("entry_point", "input_prefix", "output_prefix")
    @classmethod
    def _relative(cls, value: str | None) -> str | None:
        return value if value is None else check_relative_key(value)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        return check_schedule(value)


Classification = Literal["public", "internal", "confidential", "restricted"]


class PhysicalName(NamedTuple):
    """A name an AWS resource of the project stack will carry, and the spec field it comes from."""

    kind: str  # the AWS namespace the name must be unique in, e.g. "IAM role"
    name: str
    field: str  # e.g. "endpoints[0].name"
    limit: int | None  # longest name AWS (or the module) accepts; None: no practical limit


SAGEMAKER = "SageMaker/EMR"


APPROVER_RE = re.compile(r"arn:aws:iam::[0-9]{12}:(role|user)(/[A-Za-z0-9+=,.@_-]+)*/[A-Za-z0-9+=,.@_-]{1,64}")


def _approver(value: str) -> str:
    if not APPROVER_RE.fullmatch(value):
        raise ValueError(
            "not an IAM role or user ARN; fix: e.g. arn:aws:iam::123456789012:role/"
            "aws-reserved/sso.amazonaws.com/AWSReservedSSO_ModelApprover_0123456789abcdef"
        )
    return value


ApproverArn = Annotated[str, AfterValidator(_approver)]


class ProjectSpec(SpecModel):
    name: str = Field(description="Project name; must match the file name projects/<name>.yaml.")
    team: Team = Field(description="Owning team (tag).")
    cost_center: CostCenter = Field(description="Cost center (tag), e.g. CC-1234.")
    data_classification: Classification = Field(description="Highest classification of the project's data (tag).")
    notebooks: tuple[NotebookSpec, ...] = items("SageMaker notebook instances, one per owner.")
    spark_clusters: tuple[SparkClusterSpec, ...] = items("EMR clusters for interactive Spark.")
    models: tuple[ModelSpec, ...] = items("Models: a model package group and an ECR repository each.")
    endpoints: tuple[EndpointSpec, ...] = items("Online SageMaker endpoints serving a model of this project.")
    batch_jobs: tuple[BatchJobSpec, ...] = items("Scheduled batch scoring jobs on EMR Serverless.")
    approvers: tuple[ApproverArn, ...] = items(
        "Who may approve or reject this project's model versions: IAM role or user ARNs (SSO permission-set "
        "roles included), in this account; the identity that registered a version never approves it."
    )
    self_service: SelfServiceSpec | None = Field(
        None,
        description=(
            "Guardrails of what members may provision themselves (`mlzone request`), and the project's budget."
        ),
    )

    @field_validator("name")
    @classmethod
    def _project_name(cls, value: str) -> str:
        if value == PLATFORM_STACK:
            raise ValueError(f"{PLATFORM_STACK!r} is the name of the shared stack; fix: choose another project name")
        if value.endswith(SELF_SERVICE_SUFFIX):
            raise ValueError(
                f"{value!r} ends with {SELF_SERVICE_SUFFIX!r}, the suffix of self-service stacks; "
                "fix: choose another project name"
            )
        return _name(value, "project name", max_len=32)

    def workload_kinds(self) -> tuple[str, ...]:
        """The kinds of workload (each with its own security group, modules/project_network.py) the project runs."""
        used = {
            "notebooks": self.notebooks,
            "spark": self.spark_clusters,
            "models": self.endpoints,
            "batch": self.batch_jobs,
        }
        return tuple(kind for kind, entries in used.items() if entries)

    def runs_experiments(self) -> bool:
        """Whether notebooks or clusters (declared or self-service) run here, so the project tracks experiments."""
        return bool(self.notebooks or self.spark_clusters or self.self_service)

    def physical_names(self) -> list[PhysicalName]:
        """Every name the project stack gives an AWS resource whose name must be unique (modules/*.py
        name them; tests/unit/test_spec_names.py checks this list against the synthesized example)."""
        p = self.name

        def named_(
            kind: str, field: str, *parts: str, limit: int | None = None, cut: int | None = None
        ) -> PhysicalName:
            name = project_name(p, *parts)
            return PhysicalName(kind, name[:cut] if cut else name, field, limit)

        out = [
            named_("IAM role", "name", "deploy", limit=IAM_ROLE_NAME_MAX),
            named_("IAM policy", "name", "boundary", limit=128),
            *(named_("EC2 security group", "name", kind, limit=255) for kind in self.workload_kinds()),
        ]
        if self.runs_experiments():  # where experiments run: the project's own MLflow server
            out += [
                named_("SageMaker MLflow tracking server", "name", "mlflow", limit=256),
                named_("IAM role", "name", "mlflow", limit=IAM_ROLE_NAME_MAX),
            ]
        for i, nb in enumerate(self.notebooks):
            f = f"notebooks[{i}].owner"
            out += [
                named_("SageMaker notebook instance", f, nb.owner, limit=SAGEMAKER_NAME_MAX),
                named_("SageMaker lifecycle configuration", f, nb.owner, "idle-stop", cut=SAGEMAKER_NAME_MAX),
                named_("IAM role", f, "nb", nb.owner, limit=IAM_ROLE_NAME_MAX),
            ]
        for i, sc in enumerate(self.spark_clusters):
            f = f"spark_clusters[{i}].name"
            out += [
                named_("EMR cluster", f, sc.name, limit=SAGEMAKER_NAME_MAX),
                named_("EMR security configuration", f, sc.name, limit=SAGEMAKER_NAME_MAX),
                named_("IAM role", f, sc.name, "emr-ec2", limit=IAM_ROLE_NAME_MAX),
                named_("IAM instance profile", f, sc.name, "emr-ec2", limit=IAM_ROLE_NAME_MAX),
                named_("IAM role", f, sc.name, "emr", limit=IAM_ROLE_NAME_MAX),
                *(named_("EC2 security group", f, sc.name, part, limit=255) for part in ("primary", "core", "service")),
            ]
        for i, m in enumerate(self.models):
            f = f"models[{i}].name"
            out += [
                named_("SageMaker model package group", f, m.name, limit=SAGEMAKER_NAME_MAX),
                PhysicalName("ECR repository", f"{p}/{m.name}", f, 256),
            ]
        for i, ep in enumerate(self.endpoints):
            f = f"endpoints[{i}].name"
            out += [
                *(
                    named_(f"SageMaker {kind}", f, ep.name, limit=SAGEMAKER_NAME_MAX - CONTENT_SUFFIX_LEN)
                    for kind in ("model", "endpoint configuration")
                ),  # + "-<content hash>"
                named_("SageMaker endpoint", f, ep.name, limit=SAGEMAKER_NAME_MAX),
                named_("IAM role", f, ep.name, "endpoint", limit=IAM_ROLE_NAME_MAX),
                named_("Application Auto Scaling policy", f, ep.name, "invocations", limit=256),
            ]
        for i, job in enumerate(self.batch_jobs):
            f = f"batch_jobs[{i}].name"
            out += [
                named_("EMR Serverless application", f, job.name, limit=SAGEMAKER_NAME_MAX),
                named_("EventBridge schedule", f, job.name, limit=SAGEMAKER_NAME_MAX),
                named_("IAM role", f, job.name, "job", limit=IAM_ROLE_NAME_MAX),
                named_("IAM role", f, job.name, "schedule", limit=IAM_ROLE_NAME_MAX),
            ]
        return out

    @model_validator(mode="after")
    def _references_and_names(self) -> ProjectSpec:
        for field, entries, key in (
            ("notebooks", self.notebooks, "owner"),
            ("spark_clusters", self.spark_clusters, "name"),
            ("models", self.models, "name"),
            ("endpoints", self.endpoints, "name"),
            ("batch_jobs", self.batch_jobs, "name"),
        ):
            seen: set[str] = set()
            for entry in entries:
                value = getattr(entry, key)
                if value in seen:
                    raise ValueError(f"{field}: {key} {value!r} appears twice; fix: give each entry its own {key}")
                seen.add(value)
        too_long = [
            f"{n.field.split('[')[0]}: the {n.kind} {n.name!r} is {len(n.name)} characters, over the "
            f"{n.limit}-character {'IAM' if n.kind.startswith('IAM') else SAGEMAKER} limit; fix: shorten the "
            f"project name or {n.field}"
            for n in self.physical_names()
            if n.limit is not None and len(n.name) > n.limit
        ]
        if too_long:
            raise ValueError("\n    ".join(too_long[:2]))
        models = {m.name for m in self.models}
        referring: tuple[tuple[str, Sequence[EndpointSpec | BatchJobSpec]], ...] = (
            ("endpoints", self.endpoints),
            ("batch_jobs", self.batch_jobs),
        )
        for field, refs in referring:
            for i, ref in enumerate(refs):
                if ref.model not in models:
                    known = ", ".join(sorted(models)) or "none declared"
                    raise ValueError(
                        f"{field}[{i}].model {ref.model!r} is not a model of this project (models: {known}); "
                        f"fix: add it under models: or correct the name"
                    )
        return self


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class Zone:
    """A validated platform and its projects, with the files they came from."""

    root: Path
    platform: PlatformSpec
    projects: tuple[ProjectSpec, ...]


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        text = str(part)[:40]
        out += f"[{part}]" if isinstance(part, int) else (f".{text}" if out else text)
    return out or "(top level)"


_FIXES = {
    "extra_forbidden": "remove it or fix its spelling (see `mlzone schema` for the allowed fields)",
    "missing": "add this field",
    "literal_error": "use one of the allowed values",
    "int_type": "write a whole number without quotes (true/false are not numbers)",
    "bool_type": "write true or false without quotes",
    "string_type": "write text (quote it if YAML reads it as a number, date or boolean)",
    "tuple_type": "write a list, e.g. [a, b]",
    "model_type": "write a mapping of fields, e.g. {name: ...}",
}


def _explain(file: Path, exc: ValidationError) -> str:
    errors = exc.errors()
    lines = [f"{file}: invalid spec ({len(errors)} problem{'s' if len(errors) > 1 else ''})"]
    for err in errors[:PROBLEMS_SHOWN]:
        loc = _format_loc(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        fix = "" if "fix:" in msg else f"; fix: {_FIXES.get(err['type'], 'correct the value')}"
        got = "" if err["type"] in ("missing", "extra_forbidden") else f" (got {excerpt(err['input'])})"
        line = f"  - {loc}: {msg}{fix}{got}"
        lines.append(line if len(line) <= LINE_MAX else line[: LINE_MAX - 3] + "...")
    if len(errors) > PROBLEMS_SHOWN:
        lines.append(f"  - ... and {len(errors) - PROBLEMS_SHOWN} more")
    return "\n".join(lines)


def data_bucket_name(platform: PlatformSpec, project: ProjectSpec) -> str:
    """The project's own data bucket, `<platform>-<project>--data-<region>` (S3 names: at most 63 characters)."""
    name = f"{platform.name}-{project.name}--data-{platform.region}"
    if len(name) > BUCKET_NAME_MAX:
        raise SpecError(
            f"projects/{project.name}.yaml: name: the project's data bucket {name!r} is {len(name)} characters, over "
            f"the S3 limit of {BUCKET_NAME_MAX}; fix: shorten the project name (or the platform name in platform.yaml)"
        )
    return name


def load_platform(file: Path, root: Path | None = None) -> PlatformSpec:
    """Read and validate `platform.yaml` (`root`: the zone folder it must stay in; default its folder)."""
    file = Path(file)
    try:
        return PlatformSpec.model_validate(read_yaml(file, Path(root) if root else file.parent))
    except ValidationError as exc:
        raise SpecError(_explain(file, exc)) from None


def load_project(file: Path, root: Path | None = None) -> ProjectSpec:
    """Read and validate one `projects/<name>.yaml`; the name must match the file name.
    `root`: the zone folder it must stay in (default: the folder above projects/)."""
    file = Path(file)
    try:
        spec = ProjectSpec.model_validate(read_yaml(file, Path(root) if root else file.parent.parent))
    except ValidationError as exc:
        raise SpecError(_explain(file, exc)) from None
    if spec.name != file.stem:
        raise SpecError(
            f"{file}: name {spec.name!r} does not match the file name; fix: rename the file to "
            f"projects/{spec.name}.yaml or set name: {excerpt(file.stem)}"
        )
    return spec


def check_unique_names(specs: list[tuple[Path, ProjectSpec]]) -> None:
    """Refuse two projects (or two entries) that would give AWS resources the same physical name."""
    owners: dict[tuple[str, str], tuple[Path, str]] = {}
    for file, spec in specs:
        for n in spec.physical_names():
            first = owners.setdefault((n.kind, n.name), (file, n.field))
            if first != (file, n.field):
                raise SpecError(
                    f"{file}: {n.field} gives the {n.kind} the name {n.name!r}, which {first[0]} already gives "
                    f"it through {first[1]}; fix: rename one of them (names are <project>--<entry>-<suffix>, so "
                    f"two entries' names with their suffixes can repeat)"
                )


def load_zone(root: Path) -> Zone:
    """Load `<root>/platform.yaml` and every `<root>/projects/*.yaml`, with cross-file checks."""
    root = Path(root)
    platform = load_platform(root / "platform.yaml", root)
    files = sorted((root / "projects").glob("*.y*ml"))
    projects = tuple(load_project(f, root) for f in files)
    by_name: dict[str, Path] = {}
    for file, spec in zip(files, projects, strict=True):
        if spec.name in by_name:
            raise SpecError(
                f"{file}: project name {spec.name!r} is already used by {by_name[spec.name]}; fix: rename one"
            )
        by_name[spec.name] = file
    for file, spec in zip(files, projects, strict=True):
        for i, model in enumerate(spec.models):
            for other in model.share_with:
                if other not in by_name or other == spec.name:
                    raise SpecError(
                        f"{file}: models[{i}].share_with names {other!r}, which is not another project "
                        f"(projects: {', '.join(sorted(by_name))}); fix: use an existing project name"
                    )
    check_unique_names(list(zip(files, projects, strict=True)))
    return Zone(root=root, platform=platform, projects=projects)


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas for editors (yaml-language-server), keyed by file kind."""
    return {"platform": PlatformSpec.model_json_schema(), "project": ProjectSpec.model_json_schema()}
