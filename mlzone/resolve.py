"""Resolve before any plan: every model version a zone deploys (endpoints[].version, batch_jobs[].version)
exists in its project's package group, is `Approved`, and its artifact lives under the owning project's
prefix of its data bucket. Anything else is refused (exit 3) before Terraform runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from modules.naming import project_name
from stacks.spec import BatchJobSpec, EndpointSpec, Zone, data_bucket_name

REFUSED_EXIT = 3


class Refused(Exception):
    """A referenced version cannot be deployed; the message names it, its status and the fix."""

    exit_code = REFUSED_EXIT


class Reference(NamedTuple):
    project: str
    model: str
    version: int
    field: str  # e.g. "endpoints[0].version"


def references(zone: Zone) -> list[Reference]:
    """Every (project, model, version) the zone's specs deploy, in file order."""
    deployed: list[tuple[str, str, Sequence[EndpointSpec | BatchJobSpec]]] = [
        (p.name, kind, entries)
        for p in zone.projects
        for kind, entries in (("endpoints", p.endpoints), ("batch_jobs", p.batch_jobs))
    ]
    return [
        Reference(project, e.model, e.version, f"{kind}[{i}].version")
        for project, kind, entries in deployed
        for i, e in enumerate(entries)
        if e.version is not None
    ]


def _approve_fix(ref: Reference) -> str:
    return (
        f"fix: approve it with `mlzone model approve {ref.project} {ref.model} {ref.version} --reason ...` "
        f"or set projects/{ref.project}.yaml {ref.field} to an Approved version"
    )


def resolve(zone: Zone, sagemaker: Any, account_id: str) -> dict[Reference, str]:
    """The ARN of every referenced version; raises `Refused` naming the first one that cannot be deployed."""
    out: dict[Reference, str] = {}
    for ref in references(zone):
        group = project_name(ref.project, ref.model)
        where = (
            f"projects/{ref.project}.yaml {ref.field}: project {ref.project}, model {ref.model}, version {ref.version}"
        )
        try:
            found = sagemaker.describe_model_package(
                ModelPackageName=(
                    f"arn:aws:sagemaker:{zone.platform.region}:{account_id}:model-package/{group}/{ref.version}"
                )
            )
        except sagemaker.exceptions.ClientError:
            raise Refused(
                f"{where}: no such version in {group}; fix: register it with "
                f"`mlzone model register {ref.project} {ref.model} --run RUN_ID` and approve it"
            ) from None
        status = found.get("ModelApprovalStatus", "unknown")
        if status != "Approved":
            raise Refused(f"{where}: status {status}, not Approved; {_approve_fix(ref)}")
        project = next(p for p in zone.projects if p.name == ref.project)
        prefix = f"s3://{data_bucket_name(zone.platform, project)}/{ref.project}/"
        for c in found.get("InferenceSpecification", {}).get("Containers", []):
            url = c.get("ModelDataUrl", "")
            if url and not url.startswith(prefix):
                raise Refused(
                    f"{where}: its artifact {url} is outside the project's prefix {prefix}; "
                    "fix: register the model again from the project's own data location"
                )
        out[ref] = found["ModelPackageArn"]
    return out
