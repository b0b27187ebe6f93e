"""Self-service on the emulator: a fresh zone with guardrails deploys in one `mlzone deploy` (the budget
applies, the self-service stack waits for its project), a request inside the guardrails is applied with
its audit record, one outside is refused naming the guardrail with nothing created, and a release
terminates the cluster.

Its own small zone (the platform and one project `lab` with guardrails, moto's caller among the
members), so the example's session zone is untouched."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from mlzone.clients import clients
from mlzone.emulator import Emulator
from tests.e2e.conftest import REGION, REPO, mlzone

pytestmark = pytest.mark.e2e
PROJECT = "lab"
ACCOUNT = "123456789012"
MOTO_USER = f"arn:aws:iam::{ACCOUNT}:user/moto"  # a member
MOTO_CALLER = f"arn:aws:sts::{ACCOUNT}:user/moto"  # how STS names it (the audit record's who)
SPEC = {
    "name": PROJECT,
    "team": "data-science",
    "cost_center": "CC-3000",
    "data_classification": "internal",
    "self_service": {
        "spark": {"max_clusters": 2, "sizes": ["small"], "max_idle_minutes": 120},
        "notebooks": {"max": 1, "instance_types": ["ml.t3.medium"]},
        "monthly_budget_usd": 500,
        "members": [MOTO_USER],
    },
}
RECORD = re.compile(r"audit record s3://(?P<bucket>[^/]+)/(?P<key>\S+\.json)")


@pytest.fixture(scope="module")
def zone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, object, str]]:
    """The zone deployed from scratch by one `mlzone deploy`, boto3 clients on its emulator, the deploy's output."""
    root = tmp_path_factory.mktemp("self-service")
    shutil.copy(REPO / "platform.yaml", root)
    (root / "projects").mkdir()
    (root / "projects" / f"{PROJECT}.yaml").write_text(yaml.safe_dump(SPEC))
    emulator = Emulator(root / ".mlzone", keep=True).start()
    try:
        result = mlzone("deploy", "--root", str(root))
        assert result.exit_code == 0, result.output
        url = json.loads((root / ".mlzone" / "emulator.json").read_text())["url"]
        yield root, clients(REGION, url), result.output
    finally:
        emulator.stop(force=True)


def audit_record(aws, output: str) -> dict:
    found = RECORD.search(output)
    assert found, output
    return json.loads(aws("s3").get_object(Bucket=found["bucket"], Key=found["key"])["Body"].read())


def clusters(aws) -> dict[str, str]:
    """Name -> state of every EMR cluster on the emulator."""
    return {c["Name"]: c["Status"]["State"] for c in aws("emr").list_clusters()["Clusters"]}


def test_the_first_deploy_applies_the_budget_and_the_self_service_stack_after_its_project(zone) -> None:
    root, aws, deployed = zone
    # Before waves ordered it, the self-service stack was planned beside its project and failed
    # ("Unable to find remote state"); now the one deploy applies all three.
    for stack in ("platform", PROJECT, f"{PROJECT}-self-service"):
        assert re.search(rf"│ {stack}\s+│.*│ applied", deployed), deployed
    budgets = aws("budgets")
    budget = budgets.describe_budget(AccountId=ACCOUNT, BudgetName=f"{PROJECT}--budget")["Budget"]
    assert budget["BudgetLimit"]["Amount"] in ("500", "500.0")
    notifications = budgets.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName=f"{PROJECT}--budget")
    assert {(n["NotificationType"], float(n["Threshold"])) for n in notifications["Notifications"]} == {
        ("ACTUAL", 80.0),
        ("ACTUAL", 100.0),
        ("FORECASTED", 100.0),
    }
    again = mlzone("plan", "--root", str(root), "--no-synth")
    assert again.exit_code == 0, again.output
    assert re.search(rf"│ {PROJECT}\s+│\s+0 │\s+0 │\s+0 │", again.output), f"the budget re-plans: {again.output}"


def test_a_request_outside_the_guardrails_is_refused_and_creates_nothing(zone) -> None:
    root, aws, _ = zone
    result = mlzone("request", PROJECT, "cluster", "--size", "medium", "--name", "big", "--root", str(root))
    assert result.exit_code == 3, result.output
    assert "medium" in result.output and "spark.sizes" in result.output.replace("\n", " ")
    assert f"{PROJECT}--big" not in clusters(aws)
    record = audit_record(aws, result.output)
    assert record["verdict"] == "refused" and record["who"] == MOTO_CALLER


def test_a_request_inside_is_applied_recorded_and_released(zone) -> None:
    root, aws, _ = zone
    result = mlzone(
        "request", PROJECT, "cluster", "--size", "small", "--idle-minutes", "30", "--name", "eda", "--root", str(root)
    )
    assert result.exit_code == 0, result.output
    assert clusters(aws)[f"{PROJECT}--eda"] in ("STARTING", "WAITING", "RUNNING")
    record = audit_record(aws, result.output)
    assert (record["verdict"], record["outcome"], record["who"]) == ("accepted", "applied", MOTO_CALLER)
    assert record["what"]["request"] == {"name": "eda", "size": "small", "idle_minutes": 30}
    bucket, _, key = record["deploy_record"].removeprefix("s3://").partition("/")
    applied = json.loads(aws("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    assert key.startswith(f"deployments/{PROJECT}-self-service/"), "the apply has its deploy record"
    assert (applied["stack"], applied["status"], applied["operator"]) == (
        f"{PROJECT}-self-service",
        "succeeded",
        MOTO_CALLER,
    )

    released = mlzone("release", PROJECT, "cluster", "eda", "--root", str(root))
    assert released.exit_code == 0, released.output
    assert clusters(aws).get(f"{PROJECT}--eda", "TERMINATED").startswith("TERMINATED")
    assert audit_record(aws, released.output)["outcome"] == "applied"


def test_for_review_writes_the_spec_change_and_the_plan_and_applies_nothing(zone) -> None:
    root, aws, _ = zone
    spec_file, requests_file = root / "projects" / f"{PROJECT}.yaml", root / "requests" / f"{PROJECT}.yaml"
    original = spec_file.read_text()
    requests_before = requests_file.read_text() if requests_file.is_file() else None
    try:
        result = mlzone(
            "request", PROJECT, "cluster", "--size", "medium", "--name", "wide", "--for-review", "--root", str(root)
        )
        assert result.exit_code == 0, result.output
        assert yaml.safe_load(spec_file.read_text())["self_service"]["spark"]["sizes"] == ["small", "medium"]
        assert "wide" in requests_file.read_text()
        text = (root / ".mlzone" / "reviews" / f"{PROJECT}-wide.md").read_text()
        assert "self_service.spark.sizes" in text and "+    - medium" in text
        assert re.search(rf"\| {PROJECT}-self-service \| [1-9]\d* \| 0 \| 0 \| passed", text), text
        assert f"{PROJECT}--wide" not in clusters(aws), "a change for review applies nothing"
        assert audit_record(aws, result.output)["outcome"] == "for-review"
    finally:  # the zone goes on without the reviewed change
        spec_file.write_text(original)
        if requests_before is None:
            requests_file.unlink()
        else:
            requests_file.write_text(requests_before)
        assert mlzone("synth", "--root", str(root)).exit_code == 0
