"""No pattern of one project matches a resource of another, even when one project's name is a prefix
of the other's (`fraud` and `fraud-detection`): every ARN pattern and condition value in every
policy of one stack is matched (fnmatch, as IAM matches `*` and `?`) against every physical name,
ARN, log stream and S3 prefix of the other stack."""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase

import pytest
from cdktf import Testing

from modules.naming import package_parts, project_name, project_pattern
from stacks.app import build_stacks
from stacks.spec import ProjectSpec, Zone
from stacks.target import Target
from tests.conftest import resources, synth

pytestmark = pytest.mark.unit
ACCOUNT, REGION = "123456789012", "eu-west-1"
PLATFORM_VALUES = {  # what the remote-state tokens resolve to (any distinct literal works)
    "data_bucket": "acme-ml-data-eu-west-1",
    "capture_bucket": "acme-ml-predictions-eu-west-1",
    "emr_log_bucket": "acme-ml-emr-logs-eu-west-1",
    "data_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/platform",
    "audit_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/audit",
}
TOKEN = re.compile(r"\$\{data\.terraform_remote_state\.platform\.outputs\.(\w+)\}")
# Statements without a resource ARN (the actions have no resource-level permission), by Sid.
NO_RESOURCE = {"EcrLogin", "VpcDescribe", "Metrics"}


def spec(name: str) -> ProjectSpec:
    """A project with every kind of workload; resource names chosen so names could collide with `-`."""
    return ProjectSpec.model_validate(
        {
            "name": name,
            "team": "risk",
            "cost_center": "CC-1",
            "data_classification": "confidential",
            "notebooks": [{"owner": "alice"}, {"owner": "detection-alice"}],
            "spark_clusters": [{"name": "explore"}, {"name": "detection-explore"}],
            "models": [{"name": "scorer"}, {"name": "detection-scorer"}],
            "endpoints": [{"name": "api", "model": "scorer"}, {"name": "detection-api", "model": "detection-scorer"}],
            "batch_jobs": [{"name": "nightly", "model": "scorer", "schedule": "cron(0 2 * * ? *)"}],
        }
    )


@pytest.fixture(scope="module")
def stacks(zone) -> dict[str, dict]:
    projects = (spec("fraud"), spec("fraud-detection"))
    app = build_stacks(Testing.app(), Zone(zone.root, zone.platform, projects), Target())
    return {
        p.name: json.loads(
            TOKEN.sub(lambda m: PLATFORM_VALUES.get(m[1], m[0]), json.dumps(synth(app.node.find_child(p.name))))
        )
        for p in projects
    }


def arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def physical(doc: dict, project: str) -> set[str]:
    """Every name and ARN the stack's resources have (or that AWS creates for them: log groups, streams, objects)."""
    out: set[str] = set()

    def names(type_: str, field: str = "name") -> list[str]:
        return [r[field] for r in resources(doc, type_).values()]

    for name in names("aws_sagemaker_notebook_instance"):
        out |= {
            name,
            arn("sagemaker", f"notebook-instance/{name}"),
            arn("logs", f"log-group:/aws/sagemaker/NotebookInstances:log-stream:{name}/jupyter.log"),
        }
    for type_, kind in (
        ("aws_sagemaker_model", "model"),
        ("aws_sagemaker_endpoint_configuration", "endpoint-config"),
        ("aws_sagemaker_notebook_instance_lifecycle_configuration", "notebook-instance-lifecycle-config"),
    ):
        out |= {n for name in names(type_) for n in (name, arn("sagemaker", f"{kind}/{name}"))}
    for name in names("aws_sagemaker_endpoint"):
        out |= {
            name,
            arn("sagemaker", f"endpoint/{name}"),
            arn("logs", f"log-group:/aws/sagemaker/Endpoints/{name}"),
            arn("logs", f"log-group:/aws/sagemaker/Endpoints/{name}:log-stream:AllTraffic/i-0"),
        }
    for name in names("aws_sagemaker_model_package_group", "model_package_group_name"):
        out |= {name, arn("sagemaker", f"model-package-group/{name}"), arn("sagemaker", f"model-package/{name}/1")}
    for name in names("aws_sagemaker_mlflow_tracking_server", "tracking_server_name"):
        out |= {name, arn("sagemaker", f"mlflow-tracking-server/{name}")}
    out |= {n for name in names("aws_ecr_repository") for n in (name, arn("ecr", f"repository/{name}"))}
    out |= {n for name in names("aws_scheduler_schedule") for n in (name, arn("scheduler", f"schedule/default/{name}"))}
    for type_, kind in (
        ("aws_iam_role", "role"),
        ("aws_iam_policy", "policy"),
        ("aws_iam_instance_profile", "instance-profile"),
    ):
        out |= {
            n
            for r in resources(doc, type_).values()
            for n in (r["name"], f"arn:aws:iam::{ACCOUNT}:{kind}{r['path']}{r['name']}")
        }
    out |= (
        set(names("aws_emr_cluster")) | set(names("aws_emrserverless_application")) | set(names("aws_security_group"))
    )
    out |= set(names("aws_emr_security_configuration")) | set(names("aws_kms_alias"))
    out |= {arn("logs", f"log-group:/aws/codebuild/{project_name(project, 'ci')}")}
    for bucket in ("data_bucket", "capture_bucket", "emr_log_bucket"):
        out |= {f"arn:aws:s3:::{PLATFORM_VALUES[bucket]}/{project}/{key}" for key in ("x", "mlflow/run/x", "explore/x")}
    return out


def prefixes(project: str) -> set[str]:
    return {f"{project}/", f"{project}/x", f"{project}/mlflow/x"}


def patterns(doc: dict) -> list[tuple[str, dict, str]]:
    """(policy logical id, statement, pattern) for every Resource and condition value of every policy."""
    out = []
    for type_, field in (
        ("aws_iam_role_policy", "policy"),
        ("aws_iam_policy", "policy"),
        ("aws_ecr_repository_policy", "policy"),
        ("aws_sagemaker_model_package_group_policy", "resource_policy"),
        ("aws_kms_key", "policy"),
    ):
        for logical_id, res in resources(doc, type_).items():
            for st in json.loads(res[field])["Statement"]:
                for value in as_list(st.get("Resource")):
                    out.append((logical_id, st, value))
                for operator, values in st.get("Condition", {}).items():
                    if "Not" in operator:  # ArnNotLike, StringNotEquals...: an exclusion, never a grant
                        continue
                    out += [(logical_id, st, v) for vs in values.values() for v in as_list(vs)]
    return out


def as_list(value) -> list:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def tag_scoped(statement: dict, project: str) -> bool:
    """A statement confined by the resource's `project` tag (EMR clusters, EMR Serverless apps, security groups)."""
    equals = statement.get("Condition", {}).get("StringEquals", {})
    return any(k.endswith("ResourceTag/project") and v == project for k, v in equals.items())


@pytest.mark.parametrize(("mine", "other"), [("fraud", "fraud-detection"), ("fraud-detection", "fraud")])
def test_no_pattern_of_one_project_matches_the_other(stacks, mine, other):
    theirs = physical(stacks[other], other) | prefixes(other)
    assert len(theirs) > 60
    checked = 0
    for policy, statement, value in patterns(stacks[mine]):
        if value == "*":
            assert statement.get("Sid") in NO_RESOURCE or statement["Effect"] == "Deny" or "Principal" in statement, (
                f"{policy}: {statement}"
            )
            continue
        if tag_scoped(statement, mine) and value.endswith("/*"):
            continue
        hits = sorted(t for t in theirs if fnmatchcase(t, value))
        assert not hits, f"{mine} {policy} {statement.get('Sid')}: {value!r} matches {other}'s {hits}"
        checked += 1
    assert checked > 50


@pytest.mark.parametrize("project", ["fraud", "fraud-detection"])
def test_every_project_name_uses_the_delimiter(stacks, project):
    """Every physical name of a project matches its own pattern (so its patterns cover all of it)."""
    names = [n for n in physical(stacks[project], project) if not n.startswith("arn:") and "/" not in n]
    assert names and all(fnmatchcase(n, project_pattern(project)) or n.startswith("alias/") for n in names), names


def test_tag_scoped_statements_name_the_own_project(stacks):
    for project, doc in stacks.items():
        for _, statement, value in patterns(doc):
            if value.endswith(("cluster/*", "/applications/*", "security-group/*")) and statement["Effect"] == "Allow":
                assert tag_scoped(statement, project), statement


def test_a_package_arn_names_its_model_after_the_first_delimiter() -> None:
    arn = f"arn:aws:sagemaker:eu-west-1:123456789012:model-package/{project_name('fraud', 'scorer-v2')}/3"
    assert package_parts(arn) == ("scorer-v2", "3")
