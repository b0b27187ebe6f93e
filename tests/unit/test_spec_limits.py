"""The spec refuses exactly what gate 1 would refuse for the limits they share (modules/limits.py):
at the limit the spec accepts and the check passes; one below, the spec names the field and the
check fails. The check runs through the gate's own scanner (checkov)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from mlzone.gate.checkov_scan import scan
from modules.limits import AUDIT_MIN_RETENTION_ENV, CAPTURE_MIN_PERCENT, audit_min_retention_days
from stacks.spec import SpecError, load_platform, load_project

pytestmark = pytest.mark.unit
FIXTURES = Path(__file__).resolve().parents[1] / "policies" / "fixtures"


def gate_fails(tmp_path: Path, fixture: str, resource: str, path: tuple, value: int, check: str) -> bool:
    doc = json.loads((FIXTURES / fixture).read_text())
    conf = copy.deepcopy(doc["resource"][resource]["good"])
    target = conf
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    doc["resource"][resource] = {"subject": conf}
    file = tmp_path / f"{check}-{value}.tf.json"
    file.write_text(json.dumps(doc))
    passed, failed, errors = scan(file, "synth", checks=[check])
    assert not errors
    results = {r.check_id for r in failed}
    assert results or {r.check_id for r in passed} == {check}
    return check in results


def spec_error(tmp_path: Path, kind: str, data: dict) -> str | None:
    file = tmp_path / ("platform.yaml" if kind == "platform" else f"projects/{data['name']}.yaml")
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(yaml.safe_dump(data))
    try:
        load_platform(file) if kind == "platform" else load_project(file)
    except SpecError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("minimum", [None, "3000"])
def test_audit_retention_minimum_is_one_limit(tmp_path, monkeypatch, minimum):
    if minimum:
        monkeypatch.setenv(AUDIT_MIN_RETENTION_ENV, minimum)
    low = audit_min_retention_days()
    for days, refused in ((low, False), (low - 1, True)):
        message = spec_error(
            tmp_path, "platform", {"name": "acme-ml", "region": "eu-west-1", "audit": {"retention_days": days}}
        )
        assert (message is not None) == refused and (not refused or "audit.retention_days" in message), message
        fixture = "s3_object_lock_retention/pass.tf.json"
        assert (
            gate_fails(
                tmp_path,
                fixture,
                "aws_s3_bucket_object_lock_configuration",
                ("rule", "default_retention", "days"),
                days,
                "CKV_MLZ_41",
            )
            == refused
        )


def test_capture_percent_minimum_is_one_limit(tmp_path):
    for percent, refused in ((CAPTURE_MIN_PERCENT, False), (CAPTURE_MIN_PERCENT - 1, True)):
        message = spec_error(
            tmp_path,
            "project",
            {
                "name": "fraud",
                "team": "risk",
                "cost_center": "CC-1",
                "data_classification": "internal",
                "models": [{"name": "scorer"}],
                "endpoints": [{"name": "api", "model": "scorer", "capture_percent": percent}],
            },
        )
        assert (message is not None) == refused and (not refused or "endpoints[0].capture_percent" in message)
        assert (
            gate_fails(
                tmp_path,
                "sagemaker_endpoint_capture_sampling/pass.tf.json",
                "aws_sagemaker_endpoint_configuration",
                ("data_capture_config", "initial_sampling_percentage"),
                percent,
                "CKV_MLZ_47",
            )
            == refused
        )
