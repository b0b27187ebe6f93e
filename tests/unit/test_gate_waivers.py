"""Waivers where the decision is made (modules/waivers.py) and glob exceptions that list their matches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cdktf import TerraformStack, Testing
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from mlzone import report
from mlzone.gate.waivers import CONSTRUCT, load_waivers
from modules.waivers import MIN_REASON, waive, waivers_of
from tests.unit.test_gate import TODAY, WAIVER, log_group, run, write_exceptions, write_stack

pytestmark = pytest.mark.unit

REASON = "the org-wide key encrypts this log group"


def synth_with_waiver(tmp_path: Path, *checks: str, reason: str = REASON) -> Path:
    """A real stack: `demo/app/logs` (no KMS key, no retention) and `demo/other/logs` (no KMS key);
    `demo/app` waives `checks`."""
    stack = TerraformStack(Testing.app(), "demo")
    AwsProvider(stack, "aws", region="eu-west-1")
    app, other = Construct(stack, "app"), Construct(stack, "other")
    CloudwatchLogGroup(app, "logs", name="/demo/app")
    CloudwatchLogGroup(other, "logs", name="/demo/other", retention_in_days=365)
    waive(app, reason, *checks)
    source = Path(Testing.full_synth(stack)) / "stacks" / "demo" / "cdk.tf.json"
    target = tmp_path / "demo" / "cdk.tf.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source.read_text())
    return target


def test_a_construct_waiver_reaches_cdk_tf_json(tmp_path: Path) -> None:
    doc = json.loads(synth_with_waiver(tmp_path, "CKV_MLZ_19").read_text())
    assert doc["//"]["mlzone"]["waivers"] == [{"path": "demo/app", "checks": ["CKV_MLZ_19"], "reason": REASON}]


def test_a_waiver_covers_only_its_checks_on_its_constructs_resources(tmp_path: Path) -> None:
    result = run(tmp_path, synth_with_waiver(tmp_path, "CKV_MLZ_19"))
    excepted = {(f.check_id, f.path) for f in result.excepted}
    assert ("CKV_MLZ_19", "demo/app/logs") in excepted
    # the same check on a resource outside the construct, and other checks on the construct, still fail
    assert ("CKV_MLZ_19", "demo/other/logs") in {(f.check_id, f.path) for f in result.failed}
    assert "CKV_AWS_158" in {f.check_id for f in result.failed if f.path == "demo/app/logs"}
    assert not result.ok


def test_the_gate_output_names_the_waiver(tmp_path: Path) -> None:
    result = run(tmp_path, synth_with_waiver(tmp_path, "CKV_MLZ_19"))
    waived = next(f for f in result.excepted if f.path == "demo/app/logs" and f.check_id == "CKV_MLZ_19")
    assert waived.waiver.origin == CONSTRUCT and waived.waiver.reason == REASON
    assert "waived by construct allow_* reasons: CKV_MLZ_19 on demo/app" in result.summary()
    entry = next(f for f in report.to_json(result)["excepted"] if f["path"] == "demo/app/logs")
    assert entry["exception"]["reason"] == REASON and "demo/app" in entry["exception"]["ticket"]


@pytest.mark.parametrize("reason", ["too short", "   ", None])
def test_a_short_reason_is_refused_where_it_is_written(reason) -> None:
    stack = TerraformStack(Testing.app(), "demo")
    with pytest.raises(ValueError, match=f"at least {MIN_REASON} characters"):
        waive(Construct(stack, "app"), reason, "CKV_MLZ_19")


def test_a_waiver_must_name_check_ids() -> None:
    stack = TerraformStack(Testing.app(), "demo")
    with pytest.raises(ValueError, match="name the check ids"):
        waive(Construct(stack, "app"), REASON)
    with pytest.raises(ValueError, match="name the check ids"):
        waive(Construct(stack, "other"), REASON, "no such check")
    with pytest.raises(ValueError, match="not on a whole stack"):
        waive(stack, REASON, "CKV_MLZ_19")


def test_waivers_are_node_metadata(tmp_path: Path) -> None:
    stack = TerraformStack(Testing.app(), "demo")
    app = Construct(stack, "app")
    waive(app, REASON, "CKV_MLZ_19", "CKV_AWS_158")
    assert waivers_of(stack) == [{"path": "demo/app", "checks": ["CKV_AWS_158", "CKV_MLZ_19"], "reason": REASON}]


@pytest.mark.parametrize(
    "entry,problem",
    [
        ({"path": "demo/app", "checks": ["CKV_MLZ_19"], "reason": "short"}, f"at least {MIN_REASON} characters"),
        ({"path": "demo/app", "checks": ["CKV_MLZ_999"], "reason": REASON}, "names unknown check CKV_MLZ_999"),
        ({"path": "demo", "checks": ["CKV_MLZ_19"], "reason": REASON}, "not a whole stack"),
    ],
)
def test_the_gate_refuses_a_bad_waiver_in_the_json(tmp_path: Path, entry: dict, problem: str) -> None:
    file = synth_with_waiver(tmp_path, "CKV_MLZ_19")
    doc = json.loads(file.read_text())
    doc["//"]["mlzone"]["waivers"] = [entry]  # e.g. a hand-edited cdk.tf.json
    file.write_text(json.dumps(doc))
    result = run(tmp_path, file)
    assert not result.ok and any(problem in e for e in result.all_errors), result.all_errors
    assert ("CKV_MLZ_19", "demo/app/logs") in {(f.check_id, f.path) for f in result.failed}


# --------------------------------------------------------------------------- glob exceptions


def two_log_groups(tmp_path: Path) -> Path:
    bad = {
        name: log_group(kms_key_id=None, **{"//": {"metadata": {"path": f"demo/{name}/logs"}}})
        for name in ("app", "batch")
    }
    return write_stack(tmp_path, {"aws_cloudwatch_log_group": bad})


GLOB = {**WAIVER, "resource": "demo/*/logs"}
BUILTIN = {**GLOB, "check_id": "CKV_AWS_158", "matches": ["demo/app/logs", "demo/batch/logs"]}


def test_a_glob_exception_must_list_what_it_matches(tmp_path: Path) -> None:
    result = run(tmp_path, two_log_groups(tmp_path), exceptions=write_exceptions(tmp_path, GLOB, BUILTIN))
    assert any("a glob exception needs `matches:`" in e for e in result.all_errors)


def test_a_glob_warns_when_it_starts_matching_a_new_resource(tmp_path: Path) -> None:
    listed = {**GLOB, "matches": ["demo/app/logs"]}
    result = run(tmp_path, two_log_groups(tmp_path), exceptions=write_exceptions(tmp_path, listed, BUILTIN))
    assert result.ok, report.lines(result)
    assert result.warnings == [
        "exception CKV_MLZ_19 on demo/*/logs now matches demo/batch/logs, which is not in its matches: list; "
        "fix: check that the reason is true for it and add it, or narrow the glob"
    ]


def test_a_glob_warns_when_a_listed_resource_is_gone(tmp_path: Path) -> None:
    listed = {**GLOB, "matches": ["demo/app/logs", "demo/batch/logs", "demo/retired/logs"]}
    result = run(tmp_path, two_log_groups(tmp_path), exceptions=write_exceptions(tmp_path, listed, BUILTIN))
    assert result.ok
    assert result.warnings == [
        "exception CKV_MLZ_19 on demo/*/logs lists demo/retired/logs in matches: but no "
        "longer matches it; fix: remove it from the list"
    ]


def test_an_exact_exception_wins_over_a_glob(tmp_path: Path) -> None:
    exact = {**WAIVER, "resource": "demo/batch/logs", "reason": "batch logs are encrypted by the org-wide key"}
    listed = {**GLOB, "matches": ["demo/app/logs"]}
    result = run(tmp_path, two_log_groups(tmp_path), exceptions=write_exceptions(tmp_path, listed, exact, BUILTIN))
    assert result.ok and not [w for w in result.warnings if "CKV_MLZ_19" in w], result.warnings
    batch = next(f for f in result.excepted if f.check_id == "CKV_MLZ_19" and f.path == "demo/batch/logs")
    assert batch.waiver.resource == "demo/batch/logs"


def test_the_real_glob_exceptions_list_their_matches() -> None:
    waivers, problems = load_waivers()
    assert not problems and not [p for w in waivers for p in w.problems(TODAY)]
    assert all(w.matches for w in waivers if w.is_glob)


def test_audit_storage_refuses_governance_without_a_reason(zone) -> None:
    """Even past the spec (props built in code), GOVERNANCE without its allow reason cannot be built."""
    from stacks.app import build_stacks
    from stacks.spec import Zone
    from stacks.target import Target

    audit = zone.platform.audit.model_copy(update={"object_lock_mode": "GOVERNANCE"})
    platform = zone.platform.model_copy(update={"audit": audit})
    with pytest.raises(ValueError, match="waiver on platform/audit/audit: the reason must say why"):
        build_stacks(Testing.app(), Zone(zone.root, platform, ()), Target())
