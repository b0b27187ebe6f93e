"""Self-service in a project spec: the guardrails the platform team sets (`self_service:` in
`projects/<name>.yaml`, reviewed in Git), and the requests data scientists make inside them
(`requests/<name>.yaml`, written by `mlzone request`, never by hand).

The guardrails are checked by mlzone/self_service/guardrails.py before a request is written; the
requests file is validated again whenever the zone is synthesized, so a hand edit cannot pass a
size or instance type the guardrails or the presets (modules/self_service.py) do not know.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationError, field_validator, model_validator

from modules.self_service import SPARK_SIZES, SizeName
from modules.settings import NotebookSettings, SparkClusterSettings, limits_of
from modules.text import excerpt
from stacks.spec_base import MlInstance, SpecModel, items, named
from stacks.spec_file import SpecError, read_yaml

REQUESTS_DIR = "requests"
REQUEST_NAME_MAX = 20  # <project>--<name>-emr-ec2 stays within IAM's 64 characters for a 32-character project
BUDGET_MAX_USD = 1_000_000
# IAM users and roles (SSO permission-set roles included:
# arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/...)
MEMBER_RE = re.compile(r"arn:aws:iam::\d{12}:(role|user)/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}")
IDLE_RANGE = limits_of(SparkClusterSettings, "idle_timeout_minutes") or (5, 10080)
NOTEBOOK_IDLE_RANGE = limits_of(NotebookSettings, "idle_stop_minutes") or (5, 1440)


def _member(value: str) -> str:
    if not MEMBER_RE.fullmatch(value):
        raise ValueError(
            f"{excerpt(value)} is not an IAM role or user ARN; fix: write arn:aws:iam::<account>:role/<name> "
            "(an SSO role's ARN with its aws-reserved/sso.amazonaws.com/... path) or ...:user/<name>"
        )
    return value


Member = Annotated[str, AfterValidator(_member)]
RequestName = Annotated[str, named("request name", max_len=REQUEST_NAME_MAX)]


class SparkGuardrails(SpecModel):
    max_clusters: int = Field(1, ge=0, le=20, description="Self-service clusters the project may run at once (0-20).")
    sizes: tuple[SizeName, ...] = Field(
        ("small",),
        strict=False,
        min_length=1,
        description=f"Size presets members may request ({', '.join(SPARK_SIZES)}).",
    )
    max_idle_minutes: int = Field(
        60,
        ge=IDLE_RANGE[0],
        le=IDLE_RANGE[1],
        description=f"Longest idle timeout a request may ask for ({IDLE_RANGE[0]}-{IDLE_RANGE[1]} minutes).",
    )


class NotebookGuardrails(SpecModel):
    max: int = Field(1, ge=0, le=50, description="Self-service notebook instances the project may run at once (0-50).")
    instance_types: tuple[MlInstance, ...] = Field(
        (NotebookSettings.instance_type,),
        strict=False,
        min_length=1,
        description="SageMaker notebook instance types members may request.",
    )


class SelfServiceSpec(SpecModel):
    """What the project's members may provision themselves, without review."""

    spark: SparkGuardrails = Field(SparkGuardrails(), description="Guardrails of self-service EMR clusters.")
    notebooks: NotebookGuardrails = Field(NotebookGuardrails(), description="Guardrails of self-service notebooks.")
    monthly_budget_usd: int = Field(
        ge=1,
        le=BUDGET_MAX_USD,
        description=(
            "Monthly cost budget (USD) of everything tagged with the project; an AWS Budgets budget notifies "
            "the team at 80 % and 100 %, and requests are refused once it is spent."
        ),
    )
    members: tuple[Member, ...] = Field(
        strict=False,
        min_length=1,
        description=("IAM role ARNs (e.g. the team's SSO role) or user ARNs allowed to request."),
    )

    @field_validator("members")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        twice = sorted({m for m in value if value.count(m) > 1})
        if twice:
            raise ValueError(f"{twice[0]!r} appears twice; fix: list each member once")
        return value


# --------------------------------------------------------------------------- requests (data of the project)


class ClusterRequest(SpecModel):
    name: RequestName = Field(description="Cluster name; the cluster is <project>--<name>.")
    size: SizeName = Field(description="A size preset (modules/self_service.py).")
    idle_minutes: int = Field(ge=IDLE_RANGE[0], le=IDLE_RANGE[1], description="Auto-terminate after this idle time.")


class NotebookRequest(SpecModel):
    name: RequestName = Field(description="Notebook name; the instance is <project>--<name>.")
    instance_type: MlInstance = Field(description="SageMaker notebook instance type.")


class Requests(SpecModel):
    """What the project's members have requested and not released: rendered by stacks/self_service_stack.py."""

    project: Annotated[str, named("project name", max_len=32)] = Field(description="The project.")
    clusters: tuple[ClusterRequest, ...] = items("Requested EMR clusters.")
    notebooks: tuple[NotebookRequest, ...] = items("Requested notebook instances.")

    def names(self) -> list[str]:
        """The name of every requested cluster and notebook."""
        return [r.name for r in self.clusters] + [r.name for r in self.notebooks]

    @model_validator(mode="after")
    def _unique_names(self) -> Requests:
        names = self.names()
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"request name {twice[0]!r} appears twice; fix: release one (`mlzone release`)")
        return self


def requests_file(root: Path, project: str) -> Path:
    """`<root>/requests/<project>.yaml`."""
    return Path(root) / REQUESTS_DIR / f"{project}.yaml"


def load_requests(root: Path, project: str) -> Requests:
    """The project's requests (none when the file does not exist yet); SpecError names a bad file."""
    file = requests_file(root, project)
    if not file.is_file():
        return Requests(project=project)
    try:
        found = Requests.model_validate(read_yaml(file, Path(root)))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()[:3]
        )
        raise SpecError(
            f"{file}: invalid requests ({problems}); fix: this file is written by `mlzone request`, restore it from Git"
        ) from None
    if found.project != project:
        raise SpecError(f"{file}: project {found.project!r} does not match the file name; fix: restore it from Git")
    return found
