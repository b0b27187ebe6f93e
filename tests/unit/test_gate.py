"""The gate itself: fail-closed cases, exceptions, construct paths, plan change rules, outputs, CLI."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlzone import report
from mlzone.gate.checkov_scan import scan
from mlzone.gate.findings import GateResult
from mlzone.gate.runner import run as run_gate

pytestmark = pytest.mark.unit

TODAY = dt.date(2026, 11, 28)
TAGS = {
    "team": "t",
    "project": "demo",
    "cost-center": "CC-1",
    "data-classification": "internal",
    "managed-by": "mlzone",
}


def log_group(**overrides) -> dict:
    body = {
        "name": "/demo/app",
        "kms_key_id": "arn:aws:kms:eu-west-1:123456789012:key/k",
        "retention_in_days": 365,
        "tags": TAGS,
        "//": {"metadata": {"path": "demo/app/logs", "uniqueId": "app_logs_1234ABCD"}},
    }
    return {k: v for k, v in {**body, **overrides}.items() if v is not None}


def write_stack(folder: Path, resources: dict, stack: str = "demo") -> Path:
    """A synthesized stack as cdktf writes it: `<folder>/<stack>/cdk.tf.json` with construct paths."""
    path = folder / stack / "cdk.tf.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"//": {"metadata": {"stackName": stack}}, "resource": resources}))
    return path


def write_exceptions(folder: Path, *entries: dict) -> Path:
    path = folder / "exceptions.yaml"
    path.write_text(json.dumps({"exceptions": list(entries)}))  # JSON is YAML
    return path


PLAN_RULE = "MLZ_PLAN_1"  # policies/checks/plan_no_destroy.py
WAIVER = {
    "check_id": "CKV_MLZ_19",
    "resource": "demo/app/logs",
    "reason": "log group encrypted by the org-wide key",
    "owner": "team-a",
    "ticket": "SEC-1",
    "expires": "2027-01-31",
}


def run(tmp_path: Path, *paths: Path, exceptions: Path | None = None) -> GateResult:
    return run_gate(list(paths), exceptions_file=exceptions or tmp_path / "none.yaml", today=TODAY)


def test_secure_stack_passes_and_counts_checks(tmp_path: Path) -> None:
    result = run(tmp_path, write_stack(tmp_path, {"aws_cloudwatch_log_group": {"app_logs_1234ABCD": log_group()}}))
    assert result.ok, report.lines(result)
    assert result.files[0].passed > 3  # built-in + CKV_MLZ checks really ran


def test_findings_name_the_construct_path(tmp_path: Path) -> None:
    stack = write_stack(tmp_path, {"aws_cloudwatch_log_group": {"app_logs_1234ABCD": log_group(kms_key_id=None)}})
    result = run(tmp_path, stack)
    assert not result.ok
    mlz = [f for f in result.failed if f.check_id == "CKV_MLZ_19"]
    assert [(f.path, f.message) for f in mlz] == [("demo/app/logs", "the log group has no KMS key")]
    assert "demo/app/logs: CKV_MLZ_19 the log group has no KMS key" in report.lines(result)


@pytest.mark.parametrize(
    "content,why",
    [
        ("{not json", "cannot read JSON"),
        (json.dumps({"hello": "world"}), "neither a synthesized"),
        # checkov#7454: a required_version key makes checkov skip the file and exit 0
        (
            json.dumps(
                {
                    "terraform": {"required_version": ">= 1.10"},
                    "resource": {"aws_cloudwatch_log_group": {"x": log_group(kms_key_id=None)}},
                }
            ),
            "",
        ),
        (json.dumps({"//": {"metadata": {"stackName": "empty"}}, "resource": {}}), "zero checks"),
    ],
)
def test_gate_fails_closed_when_nothing_is_really_checked(tmp_path: Path, content: str, why: str) -> None:
    path = tmp_path / "demo" / "cdk.tf.json"
    path.parent.mkdir()
    path.write_text(content)
    result = run(tmp_path, path)
    assert not result.ok
    assert result.all_errors and why in " ".join(result.all_errors)


def test_synth_json_must_be_named_tf_json(tmp_path: Path) -> None:
    path = tmp_path / "stack.json"
    path.write_text(json.dumps({"resource": {"aws_cloudwatch_log_group": {"x": log_group()}}}))
    assert "*.tf.json" in " ".join(run(tmp_path, path).all_errors)


def test_no_input_and_missing_path(tmp_path: Path) -> None:
    assert "no cdk.tf.json" in " ".join(run(tmp_path, tmp_path).all_errors)
    with pytest.raises(FileNotFoundError, match="no such file"):
        run(tmp_path, tmp_path / "missing")


def test_valid_exception_covers_a_finding_and_expired_one_fails(tmp_path: Path) -> None:
    stack = write_stack(tmp_path, {"aws_cloudwatch_log_group": {"app_logs_1234ABCD": log_group(kms_key_id=None)}})
    builtin = {**WAIVER, "check_id": "CKV_AWS_158", "reason": "built-in twin of CKV_MLZ_19 for this log group"}
    result = run(tmp_path, stack, exceptions=write_exceptions(tmp_path, WAIVER, builtin))
    assert result.ok, report.lines(result)
    assert {f.check_id for f in result.excepted} == {"CKV_MLZ_19", "CKV_AWS_158"}

    expired = run(tmp_path, stack, exceptions=write_exceptions(tmp_path, {**WAIVER, "expires": "2026-11-27"}, builtin))
    assert not expired.ok
    assert any("expired on 2026-11-27" in e for e in expired.all_errors)
    assert "CKV_MLZ_19" in {f.check_id for f in expired.failed}


@pytest.mark.parametrize(
    "change,problem",
    [
        ({"reason": "too short"}, "at least 20 characters"),
        ({"reason": None}, "at least 20 characters"),
        ({"owner": ""}, "missing owner"),
        ({"ticket": None}, "missing ticket"),
        ({"expires": None}, "missing expires"),
        ({"expires": "next year"}, "not YYYY-MM-DD"),
    ],
)
def test_incomplete_exceptions_fail_the_gate(tmp_path: Path, change: dict, problem: str) -> None:
    stack = write_stack(tmp_path, {"aws_cloudwatch_log_group": {"app_logs_1234ABCD": log_group()}})
    result = run(tmp_path, stack, exceptions=write_exceptions(tmp_path, {**WAIVER, **change}))
    assert not result.ok
    assert any(problem in e for e in result.all_errors), result.all_errors


def test_unused_exception_warns_only_for_gated_stacks(tmp_path: Path) -> None:
    stack = write_stack(tmp_path, {"aws_cloudwatch_log_group": {"app_logs_1234ABCD": log_group()}})
    other = {**WAIVER, "resource": "other-stack/app/logs"}
    result = run(tmp_path, stack, exceptions=write_exceptions(tmp_path, WAIVER, other))
    assert result.ok
    assert result.warnings == [
        "exception CKV_MLZ_19 on demo/app/logs matched nothing; remove it if the resource is fixed"
    ]


def plan_doc(actions: list[str], type_: str = "aws_kms_key", before: dict | None = None) -> dict:
    """A minimal plan JSON with one resource change (the shape `terraform show -json` writes)."""
    address = f"{type_}.data-key_5D719C34"
    return {
        "format_version": "1.2",
        "planned_values": {"root_module": {}},
        "resource_changes": [
            {
                "address": address,
                "mode": "managed",
                "type": type_,
                "name": "data-key_5D719C34",
                "change": {"actions": actions, "before": before or {"deletion_window_in_days": 30}, "after": None},
            }
        ],
    }


@pytest.mark.parametrize(
    "actions,type_,before,blocked",
    [
        (["delete"], "aws_kms_key", None, True),
        (["delete", "create"], "aws_cloudtrail", None, True),
        (["create", "delete"], "aws_s3_bucket_object_lock_configuration", None, True),
        (["delete"], "aws_s3_bucket", {"object_lock_enabled": True}, True),
        (["delete"], "aws_s3_bucket", {"object_lock_enabled": False}, False),
        (["update"], "aws_kms_key", None, False),
        (["delete"], "aws_sqs_queue", None, False),
    ],
)
def test_plan_rule_blocks_deleting_audit_data_and_keys(tmp_path: Path, actions, type_, before, blocked) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(plan_doc(actions, type_, before)))
    passed, failed, errors = scan(plan, "plan", checks=[PLAN_RULE])
    assert not errors and bool(failed) is blocked
    if "delete" in actions and type_ != "aws_sqs_queue":
        assert len(passed) + len(failed) == 1  # the rule judged the deletion


def test_plan_delete_of_a_key_is_blocked_unless_an_exception_names_it(tmp_path: Path) -> None:
    folder = tmp_path / "platform"
    folder.mkdir()
    (folder / "cdk.tf.json").write_text(
        json.dumps(
            {
                "resource": {
                    "aws_kms_key": {"data-key_5D719C34": {"//": {"metadata": {"path": "platform/data-key/key"}}}}
                }
            }
        )
    )
    plan = folder / "plan.json"
    plan.write_text(json.dumps(plan_doc(["delete"])))
    result = run(tmp_path, plan)
    assert [(f.check_id, f.path) for f in result.failed] == [(PLAN_RULE, "platform/data-key/key")]
    waiver = {
        **WAIVER,
        "check_id": PLAN_RULE,
        "resource": "platform/data-key/key",
        "reason": "key retired after re-encrypting every object under the new key",
    }
    assert run(tmp_path, plan, exceptions=write_exceptions(tmp_path, waiver)).ok


def test_outputs_json_sarif_junit(tmp_path: Path) -> None:
    stack = write_stack(tmp_path, {"aws_cloudwatch_log_group": {"app_logs_1234ABCD": log_group(kms_key_id=None)}})
    result = run(tmp_path, stack, exceptions=write_exceptions(tmp_path, WAIVER))
    data = json.loads(report.dumps(report.to_json(result)))
    assert data["ok"] is False and {f["check_id"] for f in data["excepted"]} == {"CKV_MLZ_19"}
    sarif = report.to_sarif(result)
    results = sarif["runs"][0]["results"]
    assert sarif["version"] == "2.1.0" and any("suppressions" in r for r in results)
    assert {r["ruleId"] for r in results} >= {"CKV_MLZ_19", "CKV_AWS_158"}
    suites = ET.fromstring(report.to_junit(result))
    assert int(suites[0].get("failures")) == len(result.failed) and int(suites[0].get("skipped")) == 1


def test_cli_gate_exit_codes(tmp_path: Path) -> None:
    from mlzone.cli import app

    good = write_stack(tmp_path / "good", {"aws_cloudwatch_log_group": {"app_logs_1234ABCD": log_group()}})
    bad = write_stack(
        tmp_path / "bad", {"aws_cloudwatch_log_group": {"app_logs_1234ABCD": log_group(retention_in_days=None)}}
    )
    runner = CliRunner()
    assert runner.invoke(app, ["gate", str(good)]).exit_code == 0
    sarif, junit = tmp_path / "out.sarif", tmp_path / "out.xml"
    failed = runner.invoke(app, ["gate", str(bad.parent), "--json", "--sarif", str(sarif), "--junit", str(junit)])
    assert failed.exit_code == 1
    assert json.loads(failed.stdout)["ok"] is False
    assert json.loads(sarif.read_text())["runs"] and ET.parse(junit).getroot().tag == "testsuites"
    assert runner.invoke(app, ["gate", str(tmp_path / "missing")]).exit_code == 2
