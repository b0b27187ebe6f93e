"""What a spec may set on a construct, with its default and its limits, each defined once.

Each `*Settings` dataclass is the base class of a construct's props (`NotebookProps(NotebookSettings)`,
...), so a construct built in code gets the same defaults and limits as one built from a spec, and the
spec layer (stacks/spec.py) reads every default and range from here (`default_of`, `limits_of`)
instead of repeating them. A stack builds the props from a validated spec entry without copying
field by field: `NotebookProps(project=p, **spec.model_dump(exclude_unset=True))`.

No cdktf here: the spec layer validates before cdktf loads.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from modules.limits import AUDIT_RETENTION_DAYS
from modules.scoring_job import InputFormat
from modules.text import excerpt

RANGE = "mlzone:range"  # field metadata: (lowest, highest, how the fix reads)
EMR_RELEASE_RE = re.compile(r"emr-7\.[0-9]{1,3}\.[0-9]{1,3}")
EMR_RELEASE = "emr-7.2.0"
Size = Literal["Small", "Medium", "Large"]
LockMode = Literal["COMPLIANCE", "GOVERNANCE"]


def setting(default: Any, low: int, high: int, fix: str = "") -> Any:
    """A dataclass field with a default and an inclusive range (`fix`: how to state the range)."""
    return field(default=default, metadata={RANGE: (low, high, fix or f"{low} to {high}")})


def default_of(settings: type, name: str) -> Any:
    """The default of one field of a settings class."""
    return next(f.default for f in dataclasses.fields(settings) if f.name == name)


def limits_of(settings: type, name: str) -> tuple[int, int] | None:
    """(lowest, highest) of one field of a settings class, or None when it has no range."""
    spec = next(f.metadata.get(RANGE) for f in dataclasses.fields(settings) if f.name == name)
    return spec[:2] if spec else None


def check_limits(what: str, settings: object) -> None:
    """ValueError naming `what` and the field for every set value outside its range."""
    for f in dataclasses.fields(settings):  # type: ignore[arg-type]
        value = getattr(settings, f.name)
        if RANGE in f.metadata and value is not None:
            low, high, fix = f.metadata[RANGE]
            if not low <= value <= high:
                raise ValueError(f"{what}: {f.name}={value}; fix: use {fix}")


def check_emr_release(value: str) -> str:
    """An EMR 7.x release label such as emr-7.2.0 (the security configuration needs EMR 7)."""
    if not EMR_RELEASE_RE.fullmatch(value):
        raise ValueError(f"{excerpt(value)} is not an EMR 7.x release; fix: use EMR 7.x, e.g. {EMR_RELEASE}")
    return value


@dataclass(frozen=True, kw_only=True)
class NetworkSettings:
    cidr: str = "10.20.0.0/16"
    """The VPC's private (RFC 1918) range."""
    availability_zones: int = setting(2, 2, 3)
    """Private subnets, one per availability zone (two at least, for availability)."""


@dataclass(frozen=True, kw_only=True)
class AuditSettings:
    retention_days: int = setting(AUDIT_RETENTION_DAYS, 1, 36500)
    """Object Lock retention of audit logs, in days (seven years)."""
    lock_mode: LockMode = "COMPLIANCE"
    """COMPLIANCE: nobody can delete early; GOVERNANCE needs a reason."""


@dataclass(frozen=True, kw_only=True)
class CaptureSettings:
    expiry_days: int = setting(90, 1, 3650)
    """Captured requests and responses are deleted after this many days (GDPR)."""


@dataclass(frozen=True, kw_only=True)
class TrackingSettings:
    size: Size = "Small"
    """MLflow tracking server size."""


@dataclass(frozen=True, kw_only=True)
class NotebookSettings:
    instance_type: str = "ml.t3.medium"
    """SageMaker notebook instance type (the smallest general-purpose one)."""
    volume_size_gb: int = setting(20, 5, 16384)
    """EBS volume size, encrypted with the project key."""
    idle_stop_minutes: int | None = setting(60, 5, 1440)
    """Stop after this many idle minutes; None: never (costs money)."""


@dataclass(frozen=True, kw_only=True)
class SparkClusterSettings:
    release_label: str = EMR_RELEASE
    """EMR release; 7.x only."""
    master_instance_type: str = "m5.xlarge"
    """EC2 type of the primary node."""
    core_instance_type: str = "m5.xlarge"
    """EC2 type of the core nodes."""
    core_nodes: int = setting(2, 1, 50)
    """Core nodes at start."""
    max_nodes: int | None = setting(None, 1, 100)
    """Managed scaling ceiling; None: 2 x core_nodes."""
    idle_timeout_minutes: int = setting(60, 5, 7 * 24 * 60, "5 minutes to 7 days (10080)")
    """Auto-terminate after this idle time."""


@dataclass(frozen=True, kw_only=True)
class EndpointSettings:
    version: int | None = None
    """Version of the model's package group it serves; None: no serving resources yet."""
    instance_type: str = "ml.m5.large"
    """SageMaker hosting instance type."""
    min_instances: int = setting(1, 1, 20)
    """Autoscaling floor."""
    max_instances: int = setting(2, 1, 20)
    """Autoscaling ceiling."""
    capture_percent: int = setting(100, 0, 100)
    """Share of requests captured into the prediction log (0 disables capture; the spec needs >= 1)."""


@dataclass(frozen=True, kw_only=True)
class BatchJobSettings:
    version: int | None = None
    """Version of the model's package group it scores with; None: nothing scheduled yet."""
    entry_point: str | None = None
    """Scoring script, a key under the project prefix; None: code/<name>/score.py."""
    input_prefix: str = "input/"
    """Input data, a prefix under the project prefix."""
    input_format: InputFormat = "parquet"
    """Format of the input objects (the platform's scoring job reads parquet, csv or jsonl)."""
    output_prefix: str | None = None
    """Where a team's own script writes, a prefix under the project prefix; None: predictions/<name>/. The
    platform's scoring job writes to the prediction log (`<project>/batch/<name>/` in the capture bucket)."""
    arguments: tuple[str, ...] = ()
    """Extra arguments passed to a team's own script after --input, --output and --model."""
    release_label: str = EMR_RELEASE
    """EMR Serverless release; 7.x only."""
