"""`mlzone model register` and `mlzone model list`: a training run's MLflow model becomes a version of the
project's model package group, with its lineage in `CustomerMetadataProperties` (keys `LINEAGE_KEYS`).

Register checks everything before it writes: the model exists in the project spec, the run exists and
has an MLflow model, its artifacts live under the project's own prefixes, the package group and a
serving image exist. Only then it uploads `model.tar.gz` (the bucket's default SSE-KMS with the
project key encrypts it) and creates the version (`PendingManualApproval`); if creating the version
fails, the uploaded object version is deleted again.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlzone import audit_record
from mlzone.lifecycle.registry_context import LifecycleError, ProjectContext

Clients = Callable[[str], Any]
LINEAGE_KEYS = (
    "mlzone:run_id",
    "mlzone:experiment_id",
    "mlzone:git_commit",
    "mlzone:data",
    "mlzone:metrics",
    "mlzone:image_digest",
    "mlzone:registered_by",
)
METADATA_VALUE_MAX = 1024  # SageMaker's limit per CustomerMetadataProperties value
CONTENT_TYPES = ["application/json", "text/csv"]
# The local target builds no images: register pushes this manifest when the repository is empty (docs/lifecycle.md).
STAND_IN_TAG = "mlzone-local-stand-in"
STAND_IN_MANIFEST = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": 0,
        "digest": "sha256:" + hashlib.sha256(b"mlzone-serving").hexdigest(),
    },
    "layers": [],
}


@dataclass(frozen=True)
class Source:
    """The model to register: a run (its `model` artifact) or an MLflow model URI (`runs:/…`, `s3://…`)."""

    run_id: str | None = None
    model_uri: str | None = None

    def uri(self) -> str:
        if bool(self.run_id) == bool(self.model_uri):
            raise LifecycleError("give exactly one of --run RUN_ID or --model-uri URI")
        return self.model_uri or f"runs:/{self.run_id}/model"

    def run(self) -> str | None:
        if self.run_id:
            return self.run_id
        uri = self.model_uri or ""
        return uri.removeprefix("runs:/").split("/", 1)[0] if uri.startswith("runs:/") else None


def caller_arn(clients: Clients) -> str:
    """The caller's identity (STS), the ARN recorded as registering or approving identity."""
    return clients("sts").get_caller_identity()["Arn"]


def _run_lineage(run_id: str | None) -> tuple[dict[str, str], str | None]:
    """Lineage from the MLflow run (empty for a model URI without a run) and the run's artifact location."""
    if run_id is None:
        return {}, None
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        run = MlflowClient().get_run(run_id)
    except MlflowException as exc:
        raise LifecycleError(
            f"MLflow run {run_id!r} not found on the tracking server ({exc.error_code}); "
            "fix: pass the run id train.py printed, with MLFLOW_TRACKING_URI from `mlzone env`"
        ) from None
    tags = run.data.tags
    lineage = {
        "mlzone:run_id": run_id,
        "mlzone:experiment_id": run.info.experiment_id,
        "mlzone:git_commit": tags.get("mlflow.source.git.commit", "unknown"),
        "mlzone:data": tags.get("mlzone.data", "[]"),
        "mlzone:metrics": json.dumps(run.data.metrics, sort_keys=True),
    }
    return lineage, MlflowClient().get_experiment(run.info.experiment_id).artifact_location


def _download(uri: str, into: Path) -> Path:
    """The MLflow model directory at `uri`, downloaded; refuses when there is no MLmodel."""
    import mlflow
    from mlflow.exceptions import MlflowException

    try:
        where = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(into)))
    except (MlflowException, OSError) as exc:
        raise LifecycleError(
            f"{uri} holds no MLflow model ({type(exc).__name__}); fix: log one with "
            "mlflow.<flavor>.log_model(..., name='model') in the run, or pass --model-uri"
        ) from None
    if not (where / "MLmodel").is_file():
        raise LifecycleError(
            f"{uri} holds no MLflow model (no MLmodel file); fix: log one with "
            "mlflow.<flavor>.log_model(..., name='model'), or pass --model-uri"
        )
    return where


def _check_prefix(ctx: ProjectContext, location: str) -> None:
    if not location.startswith(ctx.artifact_prefixes()):
        raise LifecycleError(
            f"the model's artifacts at {location} are outside project {ctx.project}'s prefixes "
            f"({', '.join(ctx.artifact_prefixes())}); fix: log the run to an experiment created "
            "with artifact_location under $MLZONE_ARTIFACT_URI (examples/fraud-detection/train.py)"
        )


def tarball(model_dir: Path) -> bytes:
    """`model.tar.gz` of the MLflow model directory, MLmodel at the tar root (deterministic member order)."""
    body = io.BytesIO()
    with tarfile.open(fileobj=body, mode="w:gz") as tar:
        for path in sorted(model_dir.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(model_dir)), recursive=False)
    return body.getvalue()


def image_digest(ctx: ProjectContext, model: str, clients: Clients, tag: str | None, stand_in: bool) -> str:
    """`<repository uri>@sha256:…` of the serving image (`tag`, else the newest pushed); on the local
    target (`stand_in`) an empty repository first gets the stand-in manifest."""
    ecr, name = clients("ecr"), f"{ctx.project}/{model}"
    try:
        images = ecr.describe_images(repositoryName=name).get("imageDetails", [])
        if not images and stand_in:
            ecr.put_image(repositoryName=name, imageManifest=json.dumps(STAND_IN_MANIFEST), imageTag=STAND_IN_TAG)
            images = ecr.describe_images(repositoryName=name)["imageDetails"]
        uri = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]["repositoryUri"]
    except ecr.exceptions.RepositoryNotFoundException:
        raise LifecycleError(f"ECR repository {name} does not exist; fix: `mlzone deploy {ctx.project}`") from None
    if tag:
        images = [i for i in images if tag in i.get("imageTags", [])]
    if not images:
        raise LifecycleError(
            f"ECR repository {name} has no serving image{f' tagged {tag}' if tag else ''}; fix: "
            "run the CI job ci-templates/mlzone-serving-image.yml (serving/Dockerfile)"
        )
    newest = max(images, key=lambda i: i["imagePushedAt"])
    return f"{uri}@{newest['imageDigest']}"


def _metadata(lineage: dict[str, str]) -> dict[str, str]:
    too_long = [k for k, v in lineage.items() if len(v) > METADATA_VALUE_MAX]
    if too_long:
        raise LifecycleError(
            f"lineage {', '.join(too_long)} is over SageMaker's {METADATA_VALUE_MAX}-character "
            "metadata limit; fix: log fewer metrics or data sets in the run"
        )
    return lineage


def register(
    ctx: ProjectContext,
    model: str,
    source: Source,
    clients: Clients,
    image_tag: str | None = None,
    stand_in: bool = False,
) -> dict[str, Any]:
    """Register the source's model as a new version; returns `{"arn", "version", "artifact", "lineage"}`."""
    group, uri = ctx.group(model), source.uri()
    lineage, location = _run_lineage(source.run())
    if uri.startswith("s3://") or location is not None:
        _check_prefix(ctx, uri if uri.startswith("s3://") else location or "")
    sm, s3 = clients("sagemaker"), clients("s3")
    try:
        sm.describe_model_package_group(ModelPackageGroupName=group)
    except sm.exceptions.ClientError:
        raise LifecycleError(
            f"model package group {group} does not exist; fix: `mlzone deploy {ctx.project}`"
        ) from None
    digest = image_digest(ctx, model, clients, image_tag, stand_in)
    with tempfile.TemporaryDirectory() as tmp:
        body = tarball(_download(uri, Path(tmp)))
    lineage = _metadata(
        {**lineage, "mlzone:image_digest": digest.split("@", 1)[1], "mlzone:registered_by": caller_arn(clients)}
    )
    key = f"{ctx.project}/models/{model}/{source.run() or hashlib.sha256(body).hexdigest()[:32]}/model.tar.gz"
    put = s3.put_object(Bucket=ctx.data_bucket, Key=key, Body=body, ContentType="application/gzip")
    artifact = f"s3://{ctx.data_bucket}/{key}"
    try:
        arn = sm.create_model_package(
            ModelPackageGroupName=group,
            ModelApprovalStatus="PendingManualApproval",
            ModelPackageDescription=f"{model} from {uri}"[:1000],
            CustomerMetadataProperties=lineage,
            InferenceSpecification={
                "Containers": [{"Image": digest, "ModelDataUrl": artifact}],
                "SupportedContentTypes": CONTENT_TYPES,
                "SupportedResponseMIMETypes": ["application/json"],
            },
        )["ModelPackageArn"]
    except Exception:
        s3.delete_object(
            Bucket=ctx.data_bucket, Key=key, **({"VersionId": put["VersionId"]} if put.get("VersionId") else {})
        )
        raise
    return {"arn": arn, "version": int(arn.rsplit("/", 1)[1]), "artifact": artifact, "lineage": lineage}


def _deployed(ctx: ProjectContext, clients: Clients) -> dict[str, list[str]]:
    """Model package ARN → the project's endpoints whose current configuration serves it."""
    sm = clients("sagemaker")
    found: dict[str, list[str]] = {}
    for page in sm.get_paginator("list_endpoints").paginate(NameContains=f"{ctx.project}--"):
        for ep in page["Endpoints"]:
            config = sm.describe_endpoint_config(
                EndpointConfigName=sm.describe_endpoint(EndpointName=ep["EndpointName"])["EndpointConfigName"]
            )
            for variant in config["ProductionVariants"]:
                package = (
                    sm.describe_model(ModelName=variant["ModelName"])
                    .get("PrimaryContainer", {})
                    .get("ModelPackageName")
                )
                if package:
                    found.setdefault(package, []).append(ep["EndpointName"])
    return found


def approval_records(ctx: ProjectContext, model: str, version: int, clients: Clients) -> list[dict[str, Any]]:
    """The approval records of one version, oldest first."""
    s3, prefix = clients("s3"), f"approvals/{ctx.project}/{model}/{version}-"
    return [audit_record.get(s3, ctx.audit_bucket, k) for k in audit_record.keys(s3, ctx.audit_bucket, prefix)]


def versions(ctx: ProjectContext, model: str | None, clients: Clients) -> list[dict[str, Any]]:
    """Every version of the project's models (or one model's): status, registered by, approver, deployed to."""
    sm, rows = clients("sagemaker"), []
    deployed = _deployed(ctx, clients)
    for name in [model] if model else list(ctx.models):
        group = ctx.group(name)
        try:
            pages = list(sm.get_paginator("list_model_packages").paginate(ModelPackageGroupName=group))
        except sm.exceptions.ClientError:
            raise LifecycleError(
                f"model package group {group} does not exist; fix: `mlzone deploy {ctx.project}`"
            ) from None
        for summary in sorted(
            (s for p in pages for s in p["ModelPackageSummaryList"]), key=lambda s: s["ModelPackageVersion"]
        ):
            described = sm.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
            meta = described.get("CustomerMetadataProperties", {})
            records = approval_records(ctx, name, summary["ModelPackageVersion"], clients)
            rows.append(
                {
                    "model": name,
                    "version": summary["ModelPackageVersion"],
                    "arn": summary["ModelPackageArn"],
                    "status": described["ModelApprovalStatus"],
                    "run_id": meta.get("mlzone:run_id", ""),
                    "registered_by": meta.get("mlzone:registered_by", ""),
                    "decided_by": records[-1]["caller_arn"] if records else "",
                    "deployed_to": deployed.get(summary["ModelPackageArn"], []),
                }
            )
    return rows
