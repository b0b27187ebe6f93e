"""A zone with self-service guardrails on the example project, for the self-service tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
PROJECT = "fraud-detection"
MEMBER = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScience_0123"
GUARDRAILS = {
    "spark": {"max_clusters": 3, "sizes": ["small", "medium"], "max_idle_minutes": 240},
    "notebooks": {"max": 2, "instance_types": ["ml.t3.medium", "ml.m5.xlarge"]},
    "monthly_budget_usd": 2000,
    "members": [MEMBER],
}


def make_zone(tmp: Path, requests: dict | None = None) -> Path:
    """Copy platform.yaml and projects/ into `tmp`, add the guardrails (and a requests file)."""
    shutil.copy(REPO / "platform.yaml", tmp / "platform.yaml")
    shutil.copytree(REPO / "projects", tmp / "projects")
    spec = yaml.safe_load((tmp / "projects" / f"{PROJECT}.yaml").read_text())
    spec["self_service"] = GUARDRAILS
    (tmp / "projects" / f"{PROJECT}.yaml").write_text(yaml.safe_dump(spec))
    if requests is not None:
        (tmp / "requests").mkdir()
        (tmp / "requests" / f"{PROJECT}.yaml").write_text(yaml.safe_dump({"project": PROJECT, **requests}))
    return tmp
