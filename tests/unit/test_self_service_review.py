"""`--for-review`: the refused guardrails widened just enough, written into the project's spec file, after
which the same request passes the real guardrail evaluation; the review names the refusals and the diff."""

from __future__ import annotations

import pytest
import yaml

from mlzone.self_service import review
from mlzone.self_service.requests import estimate_usd, evaluate
from stacks.self_service_spec import ClusterRequest, NotebookRequest, Requests
from stacks.spec import SpecError, load_zone
from tests.unit.self_service_zone import MEMBER, PROJECT, make_zone

pytestmark = pytest.mark.unit
CALLER = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DataScience_0123/alice"
STRANGER = "arn:aws:sts::123456789012:assumed-role/Analysts/bob"


def project_of(root):
    return next(p for p in load_zone(root).projects if p.name == PROJECT)


def widened_zone(tmp_path, request, current, caller=CALLER, spent=0.0):
    """Evaluate, widen, write; returns (refusals before, refusals after, diff, spec file)."""
    root = make_zone(tmp_path)
    before = evaluate(project_of(root), current, request, caller, spent)
    file = review.spec_file(root, PROJECT)
    raw = yaml.safe_load(file.read_text())["self_service"]
    diff = review.write_spec_change(
        file, review.widen(raw, before, request, current, caller, spent + estimate_usd(request))
    )
    after = evaluate(project_of(root), current, request, caller, spent)
    return before, after, diff, file


def test_a_size_and_an_idle_time_outside_are_widened_and_then_pass(tmp_path) -> None:
    request = ClusterRequest(name="big", size="large", idle_minutes=480)
    before, after, diff, _ = widened_zone(tmp_path, request, Requests(project=PROJECT))
    assert {r.guardrail for r in before} == {"self_service.spark.sizes", "self_service.spark.max_idle_minutes"}
    assert after == []
    assert "+    - large" in diff and "+    max_idle_minutes: 480" in diff and "-    max_idle_minutes: 240" in diff


def test_a_notebook_beyond_the_count_and_of_another_type(tmp_path) -> None:
    current = Requests(
        project=PROJECT,
        notebooks=(
            NotebookRequest(name="nb-a", instance_type="ml.t3.medium"),
            NotebookRequest(name="nb-b", instance_type="ml.t3.medium"),
        ),
    )
    request = NotebookRequest(name="nb-c", instance_type="ml.m5.2xlarge")
    before, after, _, file = widened_zone(tmp_path, request, current)
    assert {r.guardrail for r in before} == {"self_service.notebooks.instance_types", "self_service.notebooks.max"}
    assert after == []
    guardrails = yaml.safe_load(file.read_text())["self_service"]["notebooks"]
    assert guardrails == {"max": 3, "instance_types": ["ml.t3.medium", "ml.m5.xlarge", "ml.m5.2xlarge"]}


def test_a_spent_budget_and_a_non_member(tmp_path) -> None:
    request = ClusterRequest(name="eda", size="small", idle_minutes=60)
    before, after, _, file = widened_zone(tmp_path, request, Requests(project=PROJECT), STRANGER, spent=1999.9)
    assert {r.guardrail for r in before} == {"self_service.members", "self_service.monthly_budget_usd"}
    assert after == []
    spec = yaml.safe_load(file.read_text())["self_service"]
    assert spec["members"] == [MEMBER, "arn:aws:iam::123456789012:role/Analysts"]
    assert spec["monthly_budget_usd"] == 2001  # 1999.90 spent + the request's estimate, rounded up


def test_a_name_in_use_cannot_be_reviewed_away(tmp_path) -> None:
    current = Requests(project=PROJECT, clusters=(ClusterRequest(name="eda", size="small", idle_minutes=30),))
    request = ClusterRequest(name="eda", size="large", idle_minutes=30)
    root = make_zone(tmp_path)
    refusals = evaluate(project_of(root), current, request, CALLER, 0.0)
    raw = yaml.safe_load(review.spec_file(root, PROJECT).read_text())["self_service"]
    with pytest.raises(SpecError, match="already used in this project; fix: choose another --name"):
        review.widen(raw, refusals, request, current, CALLER, 0.0)


def test_the_review_names_the_refusals_the_diff_and_the_plan(tmp_path) -> None:
    request = ClusterRequest(name="big", size="large", idle_minutes=60)
    before, _, diff, _ = widened_zone(tmp_path, request, Requests(project=PROJECT))
    plan = "### mlzone plan (local)\n\n| stack | add | change | destroy | gate 2 |\n"
    out = review.write_review(tmp_path / "reviews", PROJECT, request, before, diff, plan)
    text = out.read_text()
    assert out.name == f"{PROJECT}-big.md"
    assert str(before[0]) in text and f"```diff\n{diff.rstrip()}\n```" in text and plan.strip() in text
