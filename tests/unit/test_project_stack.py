"""The project stack: platform outputs through remote state, per-project key, prefix and boundary,
and no path from one project's roles to another project's data or key."""

from __future__ import annotations

import json

import pytest
from cdktf import Testing

from stacks.app import build_stacks
from stacks.project_stack import PLATFORM_OUTPUTS, TRACKING_OUTPUTS, ProjectStack
from stacks.spec import Allow, SpecError, Zone
from stacks.target import Target
from tests.conftest import only, resources, synth

pytestmark = pytest.mark.unit
PROJECTS = ("fraud-detection", "churn")
PLATFORM_KEY = "${data.terraform_remote_state.platform.outputs.data_key_arn}"
AUDIT_KEY = "${data.terraform_remote_state.platform.outputs.audit_key_arn}"  # run manifests (batch-runs/)
BUCKET_PARTS = (
    "aws_s3_bucket",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_logging",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
)
EMR_PACKAGES = ("arn:aws:s3:::repo.eu-west-1.emr.amazonaws.com/*", "arn:aws:s3:::eu-west-1.elasticmapreduce/*")


def as_list(value) -> list:
    return [value] if isinstance(value, str) else list(value)


def allow_statements(doc: dict):
    """(policy logical id, statement) for every Allow statement of every IAM policy in a stack."""
    for type_ in ("aws_iam_role_policy", "aws_iam_policy"):
        for logical_id, res in resources(doc, type_).items():
            for st in json.loads(res["policy"])["Statement"]:
                if st["Effect"] == "Allow":
                    yield logical_id, st


def own_key(doc: dict) -> str:
    return "${aws_kms_key." + next(iter(resources(doc, "aws_kms_key"))) + ".arn}"


@pytest.mark.parametrize("project", PROJECTS)
def test_roles_reach_only_their_own_prefix_and_key(example_synth, project):
    doc = example_synth[project]
    key = own_key(doc)
    checked = 0
    for policy, st in allow_statements(doc):
        for resource in as_list(st["Resource"]):
            if resource.startswith("arn:aws:s3:::") and resource not in EMR_PACKAGES:
                bucket, _, path = resource.removeprefix("arn:aws:s3:::").partition("/")
                if path:  # objects: below <bucket>/<project>/ only (audit records: <kind>/<project>/)
                    assert path.startswith((f"{project}/", f"batch-runs/{project}/")), f"{policy}: {resource}"
                else:  # the bucket: listing limited to the project prefix
                    prefixes = st["Condition"]["StringLike"]["s3:prefix"]
                    assert all(p.startswith(f"{project}/") for p in prefixes), f"{policy}: {st}"
                checked += 1
            if any(a.startswith("kms:") for a in as_list(st["Action"])):
                assert resource in (key, PLATFORM_KEY, AUDIT_KEY), (
                    f"{policy}: a key that is neither the project's nor the platform's"
                )
    assert checked >= 10


def test_one_project_cannot_name_the_other(example_synth):
    """Besides the model churn shares explicitly, fraud-detection's policies never mention churn, and
    churn's policies never mention fraud-detection."""
    fraud = [json.dumps(st) for _, st in allow_statements(example_synth["fraud-detection"])]
    mentions = [st for st in fraud if "churn" in st]
    assert mentions and all(json.loads(st)["Sid"].startswith("Shared") for st in mentions)
    assert all("churn/" not in st or "repository/churn/churn-model" in st for st in mentions)  # never a data prefix
    assert not [st for _, st in allow_statements(example_synth["churn"]) if "fraud-detection" in json.dumps(st)]


def test_every_project_has_its_own_key(example_synth):
    aliases = {p: only(example_synth[p], "aws_kms_alias")["name"] for p in PROJECTS}
    assert aliases == {"fraud-detection": "alias/acme-ml-fraud-detection-data", "churn": "alias/acme-ml-churn-data"}
    for project in PROJECTS:
        key = only(example_synth[project], "aws_kms_key")
        assert key["enable_key_rotation"] is True
        statements = {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}
        # Behaviour change (issue 9): the key policy itself names who may use the key.
        assert {s["Principal"]["AWS"] for s in statements.values()} == {"arn:aws:iam::123456789012:root"}
        assert "kms:Decrypt" not in statements["AccountRootAdministers"]["Action"]
        own = f"arn:aws:iam::123456789012:role/mlzone/{project}/*"
        assert statements["KeyUsers"]["Condition"] == {"ArnLike": {"aws:PrincipalArn": [own]}}
        assert statements["KeyUsersGrantToServices"]["Condition"] == {
            "ArnLike": {"aws:PrincipalArn": [own]},
            "Bool": {"kms:GrantIsForAWSResource": "true"},
        }
        deployer = statements["DeployerGrantsThroughServices"]
        assert deployer["Action"] == "kms:CreateGrant"
        assert deployer["Condition"]["ArnNotLike"] == {
            "aws:PrincipalArn": ["arn:aws:iam::123456789012:role/mlzone/*/*"]
        }
        assert deployer["Condition"]["StringEquals"]["kms:CallerAccount"] == "123456789012"
        assert "s3.eu-west-1.amazonaws.com" in deployer["Condition"]["StringEquals"]["kms:ViaService"]
        others = [
            s
            for s in statements.values()
            if s["Sid"]
            not in ("AccountRootAdministers", "KeyUsers", "KeyUsersGrantToServices", "DeployerGrantsThroughServices")
        ]
        assert others == []


@pytest.mark.parametrize("project", PROJECTS)
def test_project_data_defaults_to_the_project_key(example_synth, project):
    doc = example_synth[project]
    bucket_id, bucket = next(iter(resources(doc, "aws_s3_bucket").items()))
    assert bucket["bucket"] == f"acme-ml-{project}--data-eu-west-1"
    (sse,) = [
        r
        for r in resources(doc, "aws_s3_bucket_server_side_encryption_configuration").values()
        if r["bucket"] == "${aws_s3_bucket." + bucket_id + ".id}"
    ]
    assert sse["rule"][0]["apply_server_side_encryption_by_default"] == {
        "sse_algorithm": "aws:kms",
        "kms_master_key_id": own_key(doc),
    }
    logging = only(doc, "aws_s3_bucket_logging")
    assert logging["target_bucket"] == "${data.terraform_remote_state.platform.outputs.access_log_bucket}"
    # Every data grant of the project's roles points into its own bucket.
    data = [st for _, st in allow_statements(doc) if st.get("Sid") == "DataObjects"]
    assert data and all(
        st["Resource"] == f"arn:aws:s3:::${{aws_s3_bucket.{bucket_id}.bucket}}/{project}/*" for st in data
    )


def test_a_data_bucket_name_over_the_s3_limit_is_a_spec_error(zone):
    long = zone.projects[0].model_copy(update={"name": "p" * 40})
    with pytest.raises(SpecError, match=r"projects/p{40}\.yaml: name: the project's data bucket .* over the S3 limit"):
        ProjectStack(Testing.app(), zone.platform, long, Target())


def test_deploy_role_cannot_approve_model_versions(example_synth):
    doc = example_synth["fraud-detection"]
    (policy,) = [
        json.loads(r["policy"]) for i, r in resources(doc, "aws_iam_role_policy").items() if i.startswith("deploy-role")
    ]
    writes = [
        st
        for st in policy["Statement"]
        if {"sagemaker:CreateModelPackage", "sagemaker:UpdateModelPackage"} & set(as_list(st["Action"]))
    ]
    assert all("sagemaker:UpdateModelPackage" not in as_list(st["Action"]) for st in writes)
    assert [st["Sid"] for st in writes] == ["RegisterPendingVersions"]
    assert writes[0]["Condition"] == {
        "StringEqualsIfExists": {"sagemaker:ModelApprovalStatus": "PendingManualApproval"}
    }
    # The boundary caps every project role the same way.
    boundary = json.loads(only(doc, "aws_iam_policy")["policy"])
    capped = [st for st in boundary["Statement"] if "sagemaker:CreateModelPackage" in as_list(st["Action"])]
    assert capped and all(st.get("Condition") == writes[0]["Condition"] for st in capped)
    assert not [st for st in boundary["Statement"] if "sagemaker:UpdateModelPackage" in as_list(st["Action"])]


@pytest.mark.parametrize("project", PROJECTS)
def test_every_role_is_bounded(example_synth, project):
    doc = example_synth[project]
    boundary = "${aws_iam_policy." + next(iter(resources(doc, "aws_iam_policy"))) + ".arn}"
    unbounded = [
        r["name"] for r in resources(doc, "aws_iam_role").values() if r.get("permissions_boundary") != boundary
    ]
    assert unbounded == [n for n in unbounded if n.endswith("-emr")]  # only EMR service roles (tag-scoped, no code)
    assert all(r["path"] == f"/mlzone/{project}/" for r in resources(doc, "aws_iam_role").values())


def test_deploy_role(example_synth):
    doc = example_synth["fraud-detection"]
    (deploy,) = [r for r in resources(doc, "aws_iam_role").values() if r["name"] == "fraud-detection--deploy"]
    (trust,) = json.loads(deploy["assume_role_policy"])["Statement"]
    assert trust["Principal"] == {"Service": "codebuild.amazonaws.com"}  # the project's CI, nobody else
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    policy = json.dumps(
        [r["policy"] for i, r in resources(doc, "aws_iam_role_policy").items() if i.startswith("deploy-role")]
    )
    assert "ecr:PutImage" in policy and "sagemaker:CreateModelPackage" in policy


def test_platform_declares_every_output_projects_read(example_synth, zone):
    outputs = example_synth["platform"]["output"]
    assert set(PLATFORM_OUTPUTS) <= set(outputs)
    assert "workload_security_group_id" not in outputs  # no group is shared by the projects' workloads
    tracking = zone.platform.experiment_tracking.model_copy(update={"allow_shared_server": Allow(reason="x" * 20)})
    shared = zone.platform.model_copy(update={"experiment_tracking": tracking})
    app = build_stacks(Testing.app(), Zone(zone.root, shared, ()), Target())
    assert set(PLATFORM_OUTPUTS) | set(TRACKING_OUTPUTS) <= set(synth(app.node.find_child("platform"))["output"])


def test_local_target_reads_the_platform_state_file(example_synth):
    remote = example_synth["fraud-detection"]["data"]["terraform_remote_state"]["platform"]
    assert remote == {"backend": "local", "config": {"path": "../../../.mlzone/state/platform.tfstate"}}


def test_aws_target_reads_the_platform_state_object(zone):
    platform = zone.platform.model_copy(update={"account_id": "210987654321", "state_bucket": "acme-tfstate"})
    app = Testing.app()
    project = ProjectStack(app, platform, zone.projects[0], Target(kind="aws"))
    doc = synth(project)
    remote = doc["data"]["terraform_remote_state"]["platform"]
    assert remote == {
        "backend": "s3",
        "config": {"bucket": "acme-tfstate", "key": "mlzone/platform.tfstate", "region": "eu-west-1"},
    }
    assert "ignore_changes" not in only(doc, "aws_sagemaker_model")["lifecycle"]  # the moto workaround stays local
    assert only(doc, "aws_sagemaker_model")["enable_network_isolation"] is True


def test_a_project_without_workloads_gets_key_boundary_and_deploy_role(zone):
    bare = zone.projects[0].model_copy(
        update={"notebooks": (), "spark_clusters": (), "models": (), "endpoints": (), "batch_jobs": ()}
    )
    app = build_stacks(Testing.app(), Zone(zone.root, zone.platform, (bare,)), Target())
    doc = synth(app.node.find_child(bare.name))
    assert sorted(doc["resource"]) == [
        "aws_iam_policy",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_kms_alias",
        "aws_kms_key",
        *sorted(BUCKET_PARTS),
    ]  # issue 9: the project data bucket


def test_a_project_stack_records_the_package_groups_shared_with_it_for_the_registry_check(example_stacks):
    from pathlib import Path

    from mlzone.gate.plan_views import shared_model_groups

    def written(name: str) -> dict:  # the file Terraform and the gate read ("//" is not in Testing.synth)
        return json.loads(
            (Path(Testing.full_synth(example_stacks[name])) / "stacks" / name / "cdk.tf.json").read_text()
        )

    assert shared_model_groups(written("fraud-detection")) == ["churn--churn-model"]  # churn.yaml shares it
    assert shared_model_groups(written("churn")) == [], "nothing is shared with churn"
