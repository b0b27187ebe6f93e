"""Each gate scan judges the file as it is now: checkov's process-wide cache of parsed IAM policies (its
cloudsplaining checks), keyed by file name and resource address, does not carry one scan's policy into
another. Every stack's plan is `plans/<stack>/plan.json`, and two projects can hold the same address."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlzone.gate.checkov_scan import scan

pytestmark = pytest.mark.policy
STAR = "CKV_AWS_355"  # no "*" resource for restrictable actions: a cloudsplaining check


def plan_with(policy: dict) -> str:
    """A plan JSON creating one inline role policy."""
    values = {"name": "p", "role": "r", "policy": json.dumps(policy)}
    resource = {"address": "aws_iam_role_policy.p", "mode": "managed", "type": "aws_iam_role_policy", "name": "p"}
    return json.dumps(
        {
            "format_version": "1.2",
            "terraform_version": "1.11.4",
            "planned_values": {"root_module": {"resources": [{**resource, "values": values}]}},
            "resource_changes": [{**resource, "change": {"actions": ["create"], "before": None, "after": values}}],
        }
    )


def statement(resource: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": resource}]}


def verdicts(file: Path) -> tuple[list[str], list[str]]:
    passed, failed, errors = scan(file, "plan", checks=[STAR])
    assert not errors
    return [r.check_id for r in passed], [r.check_id for r in failed]


def test_each_plan_is_judged_by_its_own_policy(tmp_path: Path) -> None:
    scoped, wildcard = tmp_path / "churn" / "plan.json", tmp_path / "fraud-detection" / "plan.json"
    for plan, resource in ((scoped, "arn:aws:s3:::acme-ml-data/*"), (wildcard, "*")):
        plan.parent.mkdir()
        plan.write_text(plan_with(statement(resource)))
    assert verdicts(scoped) == ([STAR], [])
    assert verdicts(wildcard) == ([], [STAR]), "another stack's policy at the same address was judged"
    assert verdicts(scoped) == ([STAR], [])
    scoped.write_text(plan_with(statement("*")))  # a re-plan of the same stack
    assert verdicts(scoped) == ([], [STAR])
