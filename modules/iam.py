"""IAM policy helpers shared by the modules: trust policies and policy documents as JSON."""

from __future__ import annotations

import json


def assume_role_policy(service: str, account_id: str | None = None, source_arn: str | None = None) -> str:
    """Trust policy letting exactly one AWS service assume a role: for our account (`aws:SourceAccount`)
    and for one resource pattern (`aws:SourceArn`) when given (confused-deputy protection)."""
    statement: dict = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    condition: dict = {}
    if account_id:
        condition["StringEquals"] = {"aws:SourceAccount": account_id}
    if source_arn:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def policy_document(*statements: dict) -> str:
    """An IAM policy document from `Allow`/`Deny` statements."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
