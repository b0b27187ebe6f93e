"""mlzone.drift without Terraform: which planned changes are drift, what changed outside Terraform, the
Markdown issue body, and the exit code `mlzone --help` documents. (The real run: tests/e2e/test_drift.py.)"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mlzone.cli import app
from mlzone.drift import DriftItem, StackDrift, drift_items, markdown_report

pytestmark = pytest.mark.unit
SYNTH = {"resource": {"aws_s3_bucket": {"audit_bucket_1": {"//": {"metadata": {"path": "platform/audit/bucket"}}}}}}
PLAN = {
    "resource_drift": [
        {
            "address": "aws_s3_bucket.audit_bucket_1",
            "change": {
                "actions": ["update"],
                "before": {"tags": {"team": "a"}, "arn": "x"},
                "after": {"tags": {"team": "b"}, "arn": "x"},
            },
        }
    ],
    "resource_changes": [
        {"address": "aws_s3_bucket.audit_bucket_1", "change": {"actions": ["update"]}},
        {"address": "aws_kms_key.k", "change": {"actions": ["no-op"]}},
        {"address": "data.aws_iam_policy_document.p", "change": {"actions": ["read"]}},
        {"address": "aws_vpc.v", "change": {"actions": ["delete", "create"]}},
    ],
}


def test_planned_changes_are_drift_named_by_construct_path_with_what_changed_outside() -> None:
    assert drift_items(PLAN, SYNTH) == [
        DriftItem("aws_s3_bucket.audit_bucket_1", "platform/audit/bucket", ["update"], ["tags"]),
        DriftItem("aws_vpc.v", "", ["delete", "create"], []),
    ]


def test_the_report_lists_each_drifted_resource_and_the_stacks_not_checked() -> None:
    results = [
        StackDrift("platform", items=drift_items(PLAN, SYNTH)),
        StackDrift("churn", deployed=False),
        StackDrift("fraud", error="stack fraud, step plan: boom"),
    ]
    text = markdown_report(results, "aws")
    assert "| platform | `aws_s3_bucket.audit_bucket_1` | `platform/audit/bucket` | update | tags |" in text
    assert "Not deployed (skipped): churn." in text and "**fraud** could not be checked: stack fraud" in text
    assert "No drift" in markdown_report([StackDrift("platform")], "aws")


def test_help_documents_the_drift_exit_code() -> None:
    result = CliRunner().invoke(app, ["drift", "--help"])
    assert result.exit_code == 0 and "4 drift found" in result.output
    assert "4 drift found" in CliRunner().invoke(app, ["--help"]).output
