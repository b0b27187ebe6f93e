"""Resolve before plan, against moto: missing, pending and foreign-artifact versions are refused (exit 3)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from mlzone.resolve import REFUSED_EXIT, Refused, references, resolve
from stacks.project_stack import data_bucket_name

pytestmark = pytest.mark.unit
ACCOUNT = "123456789012"
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud-detection/fraud-scorer@sha256:" + "0" * 64


def register(sm, group: str, url: str, status: str) -> None:
    sm.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus=status,
        InferenceSpecification={
            "Containers": [{"Image": IMAGE, "ModelDataUrl": url}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )


@pytest.fixture
def sm():
    with mock_aws():
        client = boto3.client("sagemaker", region_name="eu-west-1")
        yield client


def test_every_reference_resolves_when_approved(zone, sm):
    for ref in references(zone):
        group = f"{ref.project}--{ref.model}"
        if group not in [
            g["ModelPackageGroupName"] for g in sm.list_model_package_groups()["ModelPackageGroupSummaryList"]
        ]:
            sm.create_model_package_group(ModelPackageGroupName=group)
            project = next(p for p in zone.projects if p.name == ref.project)
            register(
                sm,
                group,
                f"s3://{data_bucket_name(zone.platform, project)}/{ref.project}/models/{ref.model}/1/model.tar.gz",
                "Approved",
            )
    arns = resolve(zone, sm, ACCOUNT)
    assert arns and all(arn.endswith(f"model-package/{r.project}--{r.model}/1") for r, arn in arns.items())


def test_missing_and_pending_versions_are_refused(zone, sm):
    ref = references(zone)[0]
    with pytest.raises(Refused, match=rf"project {ref.project}, model {ref.model}, version 1: no such version"):
        resolve(zone, sm, ACCOUNT)
    sm.create_model_package_group(ModelPackageGroupName=f"{ref.project}--{ref.model}")
    project = next(p for p in zone.projects if p.name == ref.project)
    register(
        sm,
        f"{ref.project}--{ref.model}",
        f"s3://{data_bucket_name(zone.platform, project)}/{ref.project}/models/x/model.tar.gz",
        "PendingManualApproval",
    )
    with pytest.raises(
        Refused,
        match=rf"status PendingManualApproval, not Approved; fix: approve it with "
        rf"`mlzone model approve {ref.project} {ref.model} 1 --reason \.\.\.`",
    ):
        resolve(zone, sm, ACCOUNT)
    assert Refused.exit_code == REFUSED_EXIT == 3


def test_artifact_outside_the_project_prefix_is_refused(zone, sm):
    ref = references(zone)[0]
    sm.create_model_package_group(ModelPackageGroupName=f"{ref.project}--{ref.model}")
    register(sm, f"{ref.project}--{ref.model}", "s3://someone-else/other/model.tar.gz", "Approved")
    with pytest.raises(Refused, match=r"artifact s3://someone-else/other/model.tar.gz is outside the project's prefix"):
        resolve(zone, sm, ACCOUNT)


def test_mlzone_plan_resolves_before_terraform_runs_and_refuses_an_unregistered_version(tmp_path) -> None:
    """What the CI plan job relies on (docs/ci.md): `mlzone plan` itself resolves first, exit 3, no plan."""
    import os
    import shutil
    import subprocess
    import sys

    from tests.conftest import ROOT

    (tmp_path / "projects").mkdir()
    shutil.copy(ROOT / "platform.yaml", tmp_path)
    spec = (ROOT / "projects" / "fraud-detection.yaml").read_text()
    spec = spec.replace("capture_percent: 100}", "capture_percent: 100, version: 1}")
    (tmp_path / "projects" / "fraud-detection.yaml").write_text(spec)
    for stack in ("platform", "fraud-detection"):
        (tmp_path / "cdktf.out" / "stacks" / stack).mkdir(parents=True)
        (tmp_path / "cdktf.out" / "stacks" / stack / "cdk.tf.json").write_text('{"resource": {}}')
    terraform = tmp_path / "terraform"
    terraform.write_text(f"#!/bin/sh\ntouch {tmp_path}/terraform-ran\n")
    terraform.chmod(0o755)
    done = subprocess.run(
        [sys.executable, "-m", "mlzone", "plan", "--no-synth", "--ephemeral", "--root", str(tmp_path)],
        env={**os.environ, "MLZONE_TERRAFORM": str(terraform)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    text = " ".join(done.stderr.split())
    assert done.returncode == REFUSED_EXIT, done.stderr
    assert "projects/fraud-detection.yaml endpoints[0].version: project fraud-detection, model fraud-scorer" in text
    assert "no such version" in text and "mlzone model register fraud-detection fraud-scorer" in text
    assert not (tmp_path / "terraform-ran").exists(), "nothing was planned"
