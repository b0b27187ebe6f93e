"""A stand-alone project scope for module tests: literal platform values, one stack per test."""

from __future__ import annotations

import json
from dataclasses import replace

from cdktf import TerraformStack, Testing

from modules.project_role import ProjectScope

KEY = "arn:aws:kms:eu-west-1:123456789012:key/project"
PLATFORM_KEY = "arn:aws:kms:eu-west-1:123456789012:key/platform"
BOUNDARY = "arn:aws:iam::123456789012:policy/mlzone/team-a/team-a--boundary"
# The project's own group per workload kind (modules/project_network.py builds them in a project stack).
GROUPS = {kind: f"sg-team-a-{kind}" for kind in ("notebooks", "spark", "models", "batch")}


def scope(**changes) -> ProjectScope:
    """Project `team-a` in a platform `acme` (buckets acme-*), with a boundary already built."""
    base = ProjectScope(
        name="team-a",
        account_id="123456789012",
        region="eu-west-1",
        data_bucket="acme-data",
        capture_bucket="acme-predictions",
        emr_log_bucket="acme-emr-logs",
        platform_key_arn=PLATFORM_KEY,
        key_arn=KEY,
        vpc_id="vpc-1",
        subnet_ids=["subnet-1", "subnet-2"],
        security_groups=GROUPS,
        boundary_arn=BOUNDARY,
    )
    return replace(base, **changes)


def stack() -> TerraformStack:
    return TerraformStack(Testing.app(), "test")


def policies(doc: dict, type_: str = "aws_iam_role_policy", field: str = "policy") -> dict[str, dict]:
    """Policy documents of every resource of a type, parsed, by logical id."""
    return {i: json.loads(r[field]) for i, r in doc.get("resource", {}).get(type_, {}).items()}


def statements(doc: dict, logical_id_prefix: str, type_: str = "aws_iam_role_policy") -> dict[str, dict]:
    """The statements (by Sid) of the one policy whose logical id starts with the prefix."""
    found = [p for i, p in policies(doc, type_).items() if i.startswith(logical_id_prefix)]
    assert len(found) == 1, f"expected one {type_} {logical_id_prefix}*, found {len(found)}"
    return {s.get("Sid", str(n)): s for n, s in enumerate(found[0]["Statement"])}


def actions(statement: dict) -> list[str]:
    value = statement["Action"]
    return [value] if isinstance(value, str) else value
