"""Batch inference: EMR Serverless in the VPC, scheduled, writing only its output prefix."""

from __future__ import annotations

import json

import pytest

from modules.batch_inference import START_JOB_RUN, BatchInference, BatchInferenceProps
from tests.conftest import only, resources, synth
from tests.unit.project_scope import GROUPS, KEY, actions, scope, stack, statements

pytestmark = pytest.mark.unit


def job(**fields) -> dict:
    s = stack()
    BatchInference(
        s,
        "batch-nightly",
        BatchInferenceProps(
            project=scope(),
            name="nightly",
            model="scorer",
            schedule="cron(0 2 * * ? *)",
            entry_point="jobs/score.py",
            input_prefix="events/",
            **{"version": 2, **fields},
        ),
    )
    return synth(s)


@pytest.fixture(scope="module")
def doc() -> dict:
    return job()


def test_no_version_schedules_nothing():
    doc = job(version=None)
    assert not resources(doc, "aws_scheduler_schedule")
    assert only(doc, "aws_emrserverless_application")["auto_start_configuration"]["enabled"] is True


def test_application_runs_in_private_subnets(doc):
    app = only(doc, "aws_emrserverless_application")
    assert app["type"] == "SPARK" and app["release_label"].startswith("emr-7.")
    assert app["network_configuration"] == {
        "subnet_ids": ["subnet-1", "subnet-2"],
        "security_group_ids": [GROUPS["batch"]],
    }
    assert app["auto_stop_configuration"]["enabled"] is True
    assert app["maximum_capacity"] == {"cpu": "16 vCPU", "memory": "64 GB"}


def test_schedule_starts_the_job_with_the_project_role(doc):
    schedule = only(doc, "aws_scheduler_schedule")
    assert schedule["schedule_expression"] == "cron(0 2 * * ? *)"
    assert schedule["kms_key_arn"] == KEY
    target = schedule["target"]
    assert target["arn"] == START_JOB_RUN
    run = json.loads(target["input"])
    assert run["ExecutionRoleArn"].startswith("${aws_iam_role.batch-nightly_job-role_")
    driver = run["JobDriver"]["SparkSubmit"]
    assert driver["EntryPoint"] == "s3://acme-data/team-a/jobs/score.py"
    assert driver["EntryPointArguments"] == [
        "--input",
        "s3://acme-data/team-a/events/",
        "--output",
        "s3://acme-data/team-a/predictions/nightly/",
        "--model",
        "team-a--scorer",
        "--model-package",
        "arn:aws:sagemaker:eu-west-1:123456789012:model-package/team-a--scorer/2",
    ]
    assert f"serverSideEncryption.kms.keyId={KEY}" in driver["SparkSubmitParameters"]
    assert run["ConfigurationOverrides"]["MonitoringConfiguration"]["S3MonitoringConfiguration"] == {
        "LogUri": "s3://acme-emr-logs/team-a/nightly/",
        "EncryptionKeyArn": KEY,
    }


def test_job_role_reads_the_project_and_writes_only_its_output(doc):
    st = statements(doc, "batch-nightly_job-role_policy")
    assert actions(st["DataObjects"]) == ["s3:GetObject", "s3:GetObjectVersion"]
    assert st["OutputObjects"]["Resource"] == "arn:aws:s3:::acme-data/team-a/predictions/nightly/*"
    assert "s3:PutObject" in actions(st["OutputObjects"])


def test_scheduler_role_starts_this_application_only(doc):
    st = statements(doc, "batch-nightly_scheduler-role_policy")
    assert st["StartJobRun"]["Resource"].startswith("${aws_emrserverless_application.batch-nightly_application_")
    assert st["PassJobRole"]["Resource"].startswith("${aws_iam_role.batch-nightly_job-role_")
    assert st["PassJobRole"]["Condition"] == {"StringEquals": {"iam:PassedToService": "emr-serverless.amazonaws.com"}}


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        (
            {"entry_point": "../other-team/score.py"},
            r"batch job nightly: '../other-team/score.py' is not a path inside",
        ),
        ({"entry_point": "s3://bucket/score.py"}, r"is not a path inside the project prefix"),
        ({"output_prefix": "/abs/"}, r"'/abs/' is not a path inside the project prefix"),
        ({"schedule": "every night"}, r"'every night' is not a schedule"),
        ({"release_label": "emr-6.9.0"}, r"fix: use EMR 7.x"),
    ],
)
def test_validation(fields, match):
    base = {"project": scope(), "name": "nightly", "model": "scorer", "schedule": "rate(1 day)"}
    with pytest.raises(ValueError, match=match):
        BatchInferenceProps(**{**base, **fields})
