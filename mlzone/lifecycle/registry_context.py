"""What the lifecycle commands know about one project, read from the zone's specs before any AWS call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlzone.errors import INVALID, Failure
from stacks.spec import SpecError, data_bucket_name, load_zone


class LifecycleError(Failure):
    """A lifecycle command cannot go on; `code` 2 = bad input (the default), 3 = refused by policy (four eyes,
    status)."""

    code = INVALID


@dataclass(frozen=True)
class ProjectContext:
    """One project of the zone: its buckets, models and approvers (names follow docs/OWNERS agreements)."""

    project: str
    region: str
    data_bucket: str
    mlflow_bucket: str
    audit_bucket: str
    models: tuple[str, ...]
    approvers: tuple[str, ...]

    def group(self, model: str) -> str:
        """The model package group `<project>--<model>` (ProjectScope.resource_name)."""
        if model not in self.models:
            raise LifecycleError(
                f"projects/{self.project}.yaml: no model {model!r} (models: "
                f"{', '.join(self.models) or 'none'}); fix: name one of them or add it under models:"
            )
        return f"{self.project}--{model}"

    def artifact_prefixes(self) -> tuple[str, ...]:
        """Where a registered model's files may come from: the project's own prefixes only."""
        return (f"s3://{self.mlflow_bucket}/{self.project}/", f"s3://{self.data_bucket}/{self.project}/")


def load(root: Path, project: str) -> ProjectContext:
    """The context of `project` in the zone at `root`; LifecycleError (exit 2) for a bad spec or unknown project."""
    try:
        zone = load_zone(root)
        spec = zone.project(project)
    except SpecError as exc:
        raise LifecycleError(str(exc)) from None
    platform = zone.platform
    return ProjectContext(
        project=project,
        region=platform.region,
        data_bucket=data_bucket_name(platform, spec),
        mlflow_bucket=platform.bucket_name("mlflow"),
        audit_bucket=platform.bucket_name("audit"),
        models=tuple(m.name for m in spec.models),
        approvers=spec.approvers,
    )
