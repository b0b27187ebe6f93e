"""The YAML schema users write: `platform.yaml` and `projects/<name>.yaml`.

Everything is validated here, before any construct is built. A bad spec raises `SpecError`,
whose message names the file, the field path, the bad value and the fix.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from modules.naming import project_name

NAME_RE = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
NAME_FIX = "use lowercase letters, digits and single hyphens, starting with a letter (e.g. fraud-detection)"
REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
SAGEMAKER_NAME_MAX = 63
BUCKET_NAME_MAX = 63
# Longest bucket purpose suffix used by the platform (see PlatformSpec.bucket_name).
BUCKET_PURPOSES = ("audit", "access-logs", "predictions", "data", "mlflow", "emr-logs", "athena")
MOTO_ACCOUNT_ID = "123456789012"


class SpecError(Exception):
    """A spec is invalid; the message is a user-facing paragraph (file, field, value, fix)."""


def _name(value: str, what: str, max_len: int = 40) -> str:
    if not NAME_RE.match(value) or "--" in value:
        raise ValueError(f"{what} {value!r} is not a valid name; fix: {NAME_FIX}")
    if len(value) > max_len:
        raise ValueError(f"{what} {value!r} is {len(value)} characters; fix: use at most {max_len}")
    return value


def _cost_center(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", value):
        raise ValueError(f"cost center {value!r} is not a valid tag value; fix: letters, digits, '.', '_', '-' (max 64)")
    return value


def named(what: str, max_len: int = 40) -> AfterValidator:
    """A pydantic validator for a resource name (`what` appears in the error)."""
    return AfterValidator(lambda value: _name(value, what, max_len))


Team = Annotated[str, named("team")]
CostCenter = Annotated[str, AfterValidator(_cost_center)]


class Strict(BaseModel):
    """Base for every spec model: unknown keys are rejected, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Allow(Strict):
    """An explicit opt-out from a secure default. The reason is kept in Git review."""

    reason: str = Field(min_length=20, description="Why the secure default does not fit (>= 20 characters).")


# --------------------------------------------------------------------------- platform


class NetworkSpec(Strict):
    cidr: str = Field("10.20.0.0/16", description="VPC CIDR: a private (RFC 1918) range from /16 to /24.")
    availability_zones: int = Field(2, ge=2, le=3, description="Private subnets are spread over this many AZs (2-3).")

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            net = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IPv4 network ({exc}); fix: write it like 10.20.0.0/16") from None
        if not net.is_private:
            raise ValueError(f"{value!r} is not a private range; fix: use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")
        if not 16 <= net.prefixlen <= 24:
            raise ValueError(f"{value!r} has prefix /{net.prefixlen}; fix: AWS VPCs take /16 to /24")
        return value


class AuditSpec(Strict):
    retention_days: int = Field(2555, ge=1, le=36500, description="Object Lock retention of audit logs (days).")
    object_lock_mode: Literal["COMPLIANCE", "GOVERNANCE"] = Field(
        "COMPLIANCE", description="COMPLIANCE: nobody can delete before expiry. GOVERNANCE needs allow_governance_mode."
    )
    allow_governance_mode: Allow | None = Field(None, description="Opt-out: permit GOVERNANCE mode, with a reason.")

    @model_validator(mode="after")
    def _governance_needs_reason(self) -> AuditSpec:
        if self.object_lock_mode == "GOVERNANCE" and self.allow_governance_mode is None:
            raise ValueError(
                "object_lock_mode GOVERNANCE lets privileged users delete audit logs; "
                "fix: keep COMPLIANCE, or add allow_governance_mode: {reason: ...}"
            )
        return self


class PredictionsSpec(Strict):
    expiry_days: int = Field(90, ge=1, le=3650, description="Captured requests/responses expire after this (GDPR).")


class ExperimentTrackingSpec(Strict):
    enabled: bool = Field(True, description="Run a SageMaker managed MLflow tracking server.")
    size: Literal["Small", "Medium", "Large"] = Field("Small", description="Tracking server size.")
    allow_shared_server: Allow | None = Field(None, description=(
        "Opt-out: one platform server for public/internal projects, which then see and change each other's "
        "experiments and runs (confidential/restricted projects keep their own). Default: a server per project."))


class PlatformSpec(Strict):
    name: Annotated[str, named("platform name", max_len=24)] = Field(
        description="Platform name, a prefix of every shared resource (3-24 chars)."
    )
    region: str = Field(description="AWS region, e.g. eu-west-1.")
    team: Team = Field("platform", description="Team that owns the platform stack (tag).")
    cost_center: CostCenter = Field("platform", description="Cost center of the shared resources (tag).")
    account_id: str | None = Field(None, description="AWS account id (12 digits); required by --target aws.")
    state_bucket: str | None = Field(None, description="Terraform state bucket for --target aws.")
    network: NetworkSpec = NetworkSpec()
    audit: AuditSpec = AuditSpec()
    predictions: PredictionsSpec = PredictionsSpec()
    experiment_tracking: ExperimentTrackingSpec = ExperimentTrackingSpec()


    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not REGION_RE.match(value):
            raise ValueError(f"{value!r} is not an AWS region; fix: write it like eu-west-1")
        return value

    @field_validator("account_id")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{12}", value):
            raise ValueError(f"{value!r} is not a 12-digit AWS account id; fix: quote it, e.g. '123456789012'")
        return value

    @field_validator("state_bucket")
    @classmethod
    def _state_bucket(cls, value: str | None) -> str | None:
        return value if value is None else check_bucket_name(value)

    @model_validator(mode="after")
    def _bucket_names_fit(self) -> PlatformSpec:
        for purpose in BUCKET_PURPOSES:
            check_bucket_name(self.bucket_name(purpose))
        return self

    def bucket_name(self, purpose: str) -> str:
        """Deterministic name of a platform bucket, e.g. `acme-ml-audit-eu-west-1`."""
        return f"{self.name}-{purpose}-{self.region}"


def check_bucket_name(name: str) -> str:
    """Validate an S3 bucket name against AWS naming rules."""
    if not 3 <= len(name) <= BUCKET_NAME_MAX:
        raise ValueError(f"bucket name {name!r} is {len(name)} characters; fix: shorten the platform name (max 63 in all)")
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", name) or ".." in name or name.startswith("xn--"):
        raise ValueError(f"bucket name {name!r} breaks S3 naming rules; fix: {NAME_FIX}")
    return name


# --------------------------------------------------------------------------- project

INSTANCE_RE = re.compile(r"^[a-z][a-z0-9]*\.[a-z0-9]+$")
ML_INSTANCE_RE = re.compile(r"^ml\.[a-z][a-z0-9-]*\.[a-z0-9]+$")
CRON_RE = re.compile(r"^cron\((\S+ ){5}\S+\)$")
RATE_RE = re.compile(r"^rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\)$")


def _ml_instance(value: str) -> str:
    if not ML_INSTANCE_RE.match(value):
        raise ValueError(f"{value!r} is not a SageMaker instance type; fix: write it like ml.m5.large")
    return value


MlInstance = Annotated[str, AfterValidator(_ml_instance)]


class NotebookSpec(Strict):
    owner: Annotated[str, named("owner")] = Field(
        description="User the notebook belongs to; names the instance <project>--<owner>."
    )
    instance_type: MlInstance = Field("ml.t3.medium", description="SageMaker notebook instance type.")
    volume_size_gb: int = Field(20, ge=5, le=16384, description="Encrypted EBS volume size.")
    idle_stop_minutes: int | None = Field(
        60, ge=5, le=1440, description="Stop after this many idle minutes; null: never."
    )


class SparkClusterSpec(Strict):
    name: Annotated[str, named("spark cluster name")] = Field(description="Cluster name, unique in the project.")
    release_label: str = Field("emr-7.2.0", description="EMR release (7.x).")
    master_instance_type: str = Field("m5.xlarge", description="EC2 type of the primary node.")
    core_instance_type: str = Field("m5.xlarge", description="EC2 type of the core nodes.")
    core_nodes: int = Field(2, ge=1, le=50, description="Core nodes at start.")
    max_nodes: int | None = Field(None, ge=1, le=100, description="Managed scaling ceiling; default 2 x core_nodes.")
    idle_timeout_minutes: int = Field(60, ge=5, le=10080, description="Auto-terminate after idle (5 min - 7 days).")


    @field_validator("release_label")
    @classmethod
    def _release(cls, value: str) -> str:
        if not re.fullmatch(r"emr-7\.\d+\.\d+", value):
            raise ValueError(f"{value!r} is not an EMR 7.x release; fix: use e.g. emr-7.2.0")
        return value

    @field_validator("master_instance_type", "core_instance_type")
    @classmethod
    def _ec2_type(cls, value: str) -> str:
        if not INSTANCE_RE.match(value) or value.startswith("ml."):
            raise ValueError(f"{value!r} is not an EC2 instance type; fix: write it like m5.xlarge")
        return value

    @model_validator(mode="after")
    def _scaling(self) -> SparkClusterSpec:
        if self.max_nodes is not None and self.max_nodes < self.core_nodes:
            raise ValueError(f"max_nodes {self.max_nodes} < core_nodes {self.core_nodes}; fix: raise max_nodes")
        return self


class ModelSpec(Strict):
    name: Annotated[str, named("model name")] = Field(
        description="Model name: a model package group and an ECR repository."
    )
    share_with: tuple[str, ...] = Field((), description="Other projects granted read access to this model.")


class EndpointSpec(Strict):
    name: Annotated[str, named("endpoint name")] = Field(description="Endpoint name, unique in the project.")
    model: str = Field(description="A model of this project (models[].name).")
    image_tag: str = Field("1.0.0", description="Tag of the serving image in the model's ECR repository (immutable).")
    instance_type: MlInstance = Field("ml.m5.large", description="SageMaker hosting instance type.")
    min_instances: int = Field(1, ge=1, le=20, description="Autoscaling minimum.")
    max_instances: int = Field(2, ge=1, le=20, description="Autoscaling maximum.")
    capture_percent: int = Field(100, ge=0, le=100, description="Share of requests captured into the prediction log.")


    @field_validator("image_tag")
    @classmethod
    def _tag(cls, value: str) -> str:
        if value == "latest" or not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", value):
            raise ValueError(f"image tag {value!r} is not a pinned tag; fix: use an immutable version such as 1.0.0")
        return value

    @model_validator(mode="after")
    def _capacity(self) -> EndpointSpec:
        if self.min_instances > self.max_instances:
            raise ValueError(
                f"min_instances {self.min_instances} > max_instances {self.max_instances}; fix: raise max_instances"
            )
        return self


class BatchJobSpec(Strict):
    name: Annotated[str, named("batch job name")] = Field(description="Batch scoring job name, unique in the project.")
    model: str = Field(description="A model of this project (models[].name).")
    schedule: str = Field(description="EventBridge Scheduler expression: cron(m h dom mon dow yr) or rate(N unit).")
    entry_point: str | None = Field(
        None, description="Scoring script, a key under the project prefix; default code/<name>/score.py."
    )
    input_prefix: str = Field("input/", description="Input data, a prefix under the project prefix.")
    output_prefix: str | None = Field(
        None, description="Where predictions go, a prefix under the project prefix; default predictions/<name>/."
    )

    @field_validator("entry_point", "input_prefix", "output_prefix")
    @classmethod
    def _relative(cls, value: str | None) -> str | None:
        return value if value is None else check_relative_key(value)


    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        return check_schedule(value)


RELATIVE_KEY_RE = re.compile(r"^[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*/?$")


def check_relative_key(value: str) -> str:
    """An S3 key or prefix relative to the project prefix (the project cannot escape its prefix)."""
    if not RELATIVE_KEY_RE.match(value) or ".." in value.split("/"):
        raise ValueError(
            f"{value!r} is not a path inside the project prefix; "
            "fix: write a relative path such as code/score.py (no s3://, no leading /, no ..)"
        )
    return value


def check_schedule(value: str) -> str:
    """Validate an EventBridge Scheduler cron() or rate() expression."""
    if RATE_RE.match(value):
        return value
    if CRON_RE.match(value):
        fields = value[5:-1].split(" ")
        if (fields[2] == "?") == (fields[4] == "?"):
            raise ValueError(
                f"{value!r}: exactly one of day-of-month and day-of-week must be '?'; fix: e.g. cron(0 2 * * ? *)"
            )
        return value
    raise ValueError(f"{value!r} is not a schedule; fix: cron(0 2 * * ? *) (6 fields) or rate(1 day)")


IAM_ROLE_NAME_MAX = 64
# The longest IAM role name suffix the modules add per entry (e.g. <project>--<cluster>-emr-ec2).
ROLE_SUFFIX = {"notebooks": "-nb", "spark_clusters": "-emr-ec2", "endpoints": "-endpoint", "batch_jobs": "-schedule"}

Classification = Literal["public", "internal", "confidential", "restricted"]


class ProjectSpec(Strict):
    name: str = Field(description="Project name; must match the file name projects/<name>.yaml.")
    team: Team = Field(description="Owning team (tag).")
    cost_center: CostCenter = Field(description="Cost center (tag), e.g. CC-1234.")
    data_classification: Classification = Field(description="Highest classification of the project's data (tag).")
    notebooks: tuple[NotebookSpec, ...] = ()
    spark_clusters: tuple[SparkClusterSpec, ...] = ()
    models: tuple[ModelSpec, ...] = ()
    endpoints: tuple[EndpointSpec, ...] = ()
    batch_jobs: tuple[BatchJobSpec, ...] = ()

    @field_validator("name")
    @classmethod
    def _project_name(cls, value: str) -> str:
        if value == "platform":
            raise ValueError("'platform' is the name of the shared stack; fix: choose another project name")
        return _name(value, "project name", max_len=32)


    @model_validator(mode="after")
    def _references_and_names(self) -> ProjectSpec:
        for field, items, key in (
            ("notebooks", self.notebooks, "owner"),
            ("spark_clusters", self.spark_clusters, "name"),
            ("models", self.models, "name"),
            ("endpoints", self.endpoints, "name"),
            ("batch_jobs", self.batch_jobs, "name"),
        ):
            suffix = ROLE_SUFFIX.get(field, "")
            seen: set[str] = set()
            for item in items:
                value = getattr(item, key)
                if value in seen:
                    raise ValueError(f"{field}: {key} {value!r} appears twice; fix: give each entry its own {key}")
                seen.add(value)
                full = project_name(self.name, value)
                if len(full) > SAGEMAKER_NAME_MAX:
                    raise ValueError(
                        f"{field}: {full!r} is {len(full)} characters, over the 63-character SageMaker/EMR "
                        f"limit; fix: shorten the project name or the {key}"
                    )
                role = f"{full}{suffix}"
                if len(role) > IAM_ROLE_NAME_MAX:
                    raise ValueError(
                        f"{field}: the IAM role {role!r} is {len(role)} characters, over the 64-character IAM "
                        f"limit; fix: shorten the project name or the {key}"
                    )
        models = {m.name for m in self.models}
        for field, items in (("endpoints", self.endpoints), ("batch_jobs", self.batch_jobs)):
            for i, item in enumerate(items):
                if item.model not in models:
                    known = ", ".join(sorted(models)) or "none declared"
                    raise ValueError(
                        f"{field}[{i}].model {item.model!r} is not a model of this project (models: {known}); "
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
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


_FIXES = {
    "extra_forbidden": "remove it or fix its spelling (see `mlzone schema` for the allowed fields)",
    "missing": "add this field",
    "literal_error": "use one of the allowed values",
}


def _explain(file: Path, exc: ValidationError) -> str:
    lines = [f"{file}: invalid spec ({exc.error_count()} problem{'s' if exc.error_count() > 1 else ''})"]
    for err in exc.errors():
        loc = _format_loc(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        fix = "" if "fix:" in msg else f"; fix: {_FIXES.get(err['type'], 'correct the value')}"
        got = "" if err["type"] == "missing" else f" (got {err['input']!r})"
        lines.append(f"  - {loc}: {msg}{fix}{got if len(repr(err['input'])) < 120 else ''}")
    return "\n".join(lines)


def _read_yaml(file: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(file.read_text())
    except FileNotFoundError:
        raise SpecError(f"{file}: file not found; fix: create it (see README 'Specs') or pass the right folder") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(f"{file}: not valid YAML{where}: {problem}; fix: correct the syntax there") from None
    if not isinstance(data, dict):
        raise SpecError(f"{file}: expected a mapping of fields at the top level, got {type(data).__name__}")
    return data


def load_platform(file: Path) -> PlatformSpec:
    """Read and validate `platform.yaml`."""
    try:
        return PlatformSpec.model_validate(_read_yaml(file))
    except ValidationError as exc:
        raise SpecError(_explain(file, exc)) from None


def load_project(file: Path) -> ProjectSpec:
    """Read and validate one `projects/<name>.yaml`; the name must match the file name."""
    try:
        spec = ProjectSpec.model_validate(_read_yaml(file))
    except ValidationError as exc:
        raise SpecError(_explain(file, exc)) from None
    if spec.name != file.stem:
        raise SpecError(
            f"{file}: name {spec.name!r} does not match the file name; fix: rename the file to "
            f"projects/{spec.name}.yaml or set name: {file.stem}"
        )
    return spec


def load_zone(root: Path) -> Zone:
    """Load `<root>/platform.yaml` and every `<root>/projects/*.yaml`, with cross-file checks."""
    root = Path(root)
    platform = load_platform(root / "platform.yaml")
    files = sorted((root / "projects").glob("*.y*ml"))
    projects = tuple(load_project(f) for f in files)
    by_name: dict[str, Path] = {}
    for file, spec in zip(files, projects):
        if spec.name in by_name:
            raise SpecError(
                f"{file}: project name {spec.name!r} is already used by {by_name[spec.name]}; fix: rename one"
            )
        by_name[spec.name] = file
    for file, spec in zip(files, projects):
        for i, model in enumerate(spec.models):
            for other in model.share_with:
                if other not in by_name or other == spec.name:
                    raise SpecError(
                        f"{file}: models[{i}].share_with names {other!r}, which is not another project "
                        f"(projects: {', '.join(sorted(by_name))}); fix: use an existing project name"
                    )
    return Zone(root=root, platform=platform, projects=projects)


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas for editors (yaml-language-server), keyed by file kind."""
    return {"platform": PlatformSpec.model_json_schema(), "project": ProjectSpec.model_json_schema()}
