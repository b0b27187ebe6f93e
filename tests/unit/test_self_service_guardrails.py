"""Self-service guardrails: spec validation and guardrail evaluation (pass and fail for each guardrail)."""

from __future__ import annotations

import pytest
import yaml

from mlzone.self_service.guardrails import check_budget, check_cluster, check_member, check_notebook, is_member
from stacks.self_service_spec import ClusterRequest, NotebookRequest, Requests, SelfServiceSpec, load_requests
from stacks.spec import SpecError, load_project
from tests.unit.self_service_zone import GUARDRAILS, MEMBER, PROJECT, make_zone

pytestmark = pytest.mark.unit

G = SelfServiceSpec.model_validate(GUARDRAILS)
NONE = Requests(project=PROJECT)


def cluster(name="eda", size="small", idle=60):
    return ClusterRequest(name=name, size=size, idle_minutes=idle)


def notebook(name="bob", instance_type="ml.t3.medium"):
    return NotebookRequest(name=name, instance_type=instance_type)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (("spark", "sizes"), ["huge"], "spark.sizes"),
        (("spark", "sizes"), [], "spark.sizes"),
        (("spark", "max_idle_minutes"), 20000, "max_idle_minutes"),
        (("spark", "max_clusters"), "3", "max_clusters"),
        (("notebooks", "instance_types"), ["m5.large"], "not a SageMaker instance type"),
        (("monthly_budget_usd",), 0, "monthly_budget_usd"),
        (("members",), ["alice@example.com"], "not an IAM role or user ARN"),
        (("members",), [MEMBER, MEMBER], "appears twice"),
        (("members",), [], "members"),
        (("bogus",), 1, "bogus"),
    ],
)
def test_bad_guardrails_are_refused_naming_the_field(tmp_path, field, value, message):
    zone = make_zone(tmp_path)
    file = zone / "projects" / f"{PROJECT}.yaml"
    spec = yaml.safe_load(file.read_text())
    node = spec["self_service"]
    for part in field[:-1]:
        node = node[part]
    node[field[-1]] = value
    file.write_text(yaml.safe_dump(spec))
    with pytest.raises(SpecError) as info:
        load_project(file, zone)
    text = str(info.value)
    assert f"self_service.{field[0]}" in text and message in text and "fix" in text


def test_good_guardrails_load(tmp_path):
    zone = make_zone(tmp_path)
    spec = load_project(zone / "projects" / f"{PROJECT}.yaml", zone)
    assert spec.self_service == G and spec.runs_experiments()


def test_a_request_inside_every_guardrail_passes():
    assert check_cluster(G, NONE, cluster(size="medium", idle=240)) == []
    assert check_notebook(G, NONE, notebook(instance_type="ml.m5.xlarge")) == []
    assert check_member(G, MEMBER) == [] and check_budget(G, 1500.0, 100.0) == []


def test_size_outside_the_guardrails_is_refused():
    [refusal] = check_cluster(G, NONE, cluster(size="large"))
    assert refusal.guardrail == "self_service.spark.sizes" and "'large'" in refusal.value and "small" in refusal.fix


def test_idle_minutes_above_the_maximum_are_refused():
    [refusal] = check_cluster(G, NONE, cluster(idle=241))
    assert refusal.guardrail == "self_service.spark.max_idle_minutes" and "241" in refusal.value
    assert "240" in refusal.fix


def test_a_fourth_cluster_when_the_maximum_is_three_is_refused():
    three = Requests(project=PROJECT, clusters=tuple(cluster(f"c{i}") for i in range(3)))
    assert check_cluster(G, Requests(project=PROJECT, clusters=three.clusters[:2]), cluster()) == []
    [refusal] = check_cluster(G, three, cluster())
    assert refusal.guardrail == "self_service.spark.max_clusters" and "cluster 4 of at most 3" in refusal.value


def test_notebook_type_and_count_outside_the_guardrails_are_refused():
    [kind] = check_notebook(G, NONE, notebook(instance_type="ml.p3.2xlarge"))
    assert kind.guardrail == "self_service.notebooks.instance_types" and "ml.p3.2xlarge" in kind.value
    two = Requests(project=PROJECT, notebooks=(notebook("nb-a"), notebook("nb-b")))
    [count] = check_notebook(G, two, notebook("nb-c"))
    assert count.guardrail == "self_service.notebooks.max" and "notebook 3 of at most 2" in count.value


def test_a_name_in_use_is_refused():
    current = Requests(project=PROJECT, notebooks=(notebook("eda"),))
    [refusal] = check_cluster(G, current, cluster("eda"))
    assert refusal.guardrail == "request name"
    assert check_notebook(G, NONE, notebook("alice"), declared=frozenset({"alice"}))[0].guardrail == "request name"


@pytest.mark.parametrize(
    ("caller", "member"),
    [
        ("arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DataScience_0123/alice@example.com", True),
        (MEMBER, True),
        ("arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Finance_9999/bob", False),
        ("arn:aws:sts::999999999999:assumed-role/AWSReservedSSO_DataScience_0123/eve", False),  # other account
        ("arn:aws:iam::123456789012:user/mallory", False),
        ("arn:aws:iam::123456789012:role/mallory", False),
    ],
)
def test_membership_follows_the_sso_role(caller, member):
    assert is_member(G, caller) is member
    refusals = check_member(G, caller)
    assert (refusals == []) is member
    if not member:
        assert refusals[0].guardrail == "self_service.members" and caller in refusals[0].value


def test_a_spent_budget_is_refused_naming_the_figures():
    [refusal] = check_budget(G, 1990.0, 12.5)
    assert refusal.guardrail == "self_service.monthly_budget_usd"
    assert "1990.00" in refusal.value and "12.50" in refusal.value and "2000" in refusal.value


def test_requests_file_is_validated(tmp_path):
    zone = make_zone(tmp_path, {"clusters": [{"name": "eda", "size": "gigantic", "idle_minutes": 60}]})
    with pytest.raises(SpecError) as info:
        load_requests(zone, PROJECT)
    assert "requests/fraud-detection.yaml" in str(info.value) and "clusters.0.size" in str(info.value)
    (zone / "requests" / f"{PROJECT}.yaml").unlink()
    assert load_requests(zone, PROJECT) == NONE  # no file yet: no requests
