"""Mutation tests: the secure example passes the gate; each single insecure change is blocked.

Every mutation changes one property of the synthesized example (the JSON `python main.py` writes),
and must be blocked by the named check on the named construct path, with the real exceptions
file in force (so no exception hides a real regression).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from mlzone import report
from mlzone.gate.paths import EXCEPTIONS_FILE
from mlzone.gate.runner import run as run_gate
from tests.policies.example import resource, write_stacks

pytestmark = [pytest.mark.policy, pytest.mark.unit]


@dataclass(frozen=True)
class Mutation:
    name: str
    stack: str
    type_: str
    path: str  # construct path of the mutated resource
    change: Callable[[dict], None]  # mutates the resource body in place
    check: str  # the check that must block it
    finding_path: str = ""  # where the finding lands, when not on the mutated resource


def setting(key: str, value) -> Callable[[dict], None]:
    """Set a dotted key (`rule.default_retention.mode`); None deletes it."""

    def change(body: dict) -> None:
        *parents, last = key.split(".")
        for part in parents:
            body = body[part]
        if value is None:
            body.pop(last, None)
        else:
            body[last] = value

    return change


def policy(key: str, edit: Callable[[dict], None]) -> Callable[[dict], None]:
    """Edit a JSON-string policy (as cdktf writes them) in place."""

    def change(body: dict) -> None:
        doc = json.loads(body[key])
        edit(doc)
        body[key] = json.dumps(doc)

    return change


def add_statement(statement: dict) -> Callable[[dict], None]:
    return lambda doc: doc["Statement"].append(statement)


def drop_tls_deny(doc: dict) -> None:
    doc["Statement"] = [s for s in doc["Statement"] if s.get("Sid") != "DenyInsecureTransport"]


def emr_in_transit_off(doc: dict) -> None:
    doc["EncryptionConfiguration"]["EnableInTransitEncryption"] = False


def REMOVE(body: dict) -> None:  # noqa: N802  (a marker: the mutation deletes the resource)
    body.clear()


P, F, C = "platform", "fraud-detection", "churn"
ADMIN = {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}
FOREIGN = "arn:aws:iam::999999999999:root"


def allow(action, resource="*", **extra) -> Callable[[dict], None]:
    return add_statement({"Sid": "Mutation", "Effect": "Allow", "Action": action, "Resource": resource, **extra})


MUTATIONS = [
    Mutation(
        "bucket encryption removed",
        P,
        "aws_s3_bucket_server_side_encryption_configuration",
        "platform/captures/bucket/encryption",
        REMOVE,
        "CKV_MLZ_1",
        "platform/captures/bucket/bucket",
    ),
    Mutation(
        "bucket encrypted with SSE-S3",
        P,
        "aws_s3_bucket_server_side_encryption_configuration",
        "platform/emr-logs/encryption",
        setting("rule", [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]),
        "CKV_MLZ_26",
    ),
    Mutation(
        "public access block relaxed",
        P,
        "aws_s3_bucket_public_access_block",
        "platform/audit/audit/public-access-block",
        setting("restrict_public_buckets", False),
        "CKV_MLZ_2",
        "platform/audit/audit/bucket",
    ),
    Mutation(
        "public access block removed",
        P,
        "aws_s3_bucket_public_access_block",
        "platform/emr-logs/public-access-block",
        REMOVE,
        "CKV_MLZ_2",
        "platform/emr-logs/bucket",
    ),
    Mutation(
        "versioning suspended",
        P,
        "aws_s3_bucket_versioning",
        "platform/captures/bucket/versioning",
        setting("versioning_configuration.status", "Suspended"),
        "CKV_MLZ_3",
        "platform/captures/bucket/bucket",
    ),
    Mutation(
        "bucket policy removed",
        P,
        "aws_s3_bucket_policy",
        "platform/emr-logs/policy",
        REMOVE,
        "CKV_MLZ_4",
        "platform/emr-logs/bucket",
    ),
    Mutation(
        "TLS-only statement dropped",
        P,
        "aws_s3_bucket_policy",
        "platform/captures/bucket/policy",
        policy("policy", drop_tls_deny),
        "CKV_MLZ_5",
    ),
    Mutation(
        "object lock in GOVERNANCE mode",
        P,
        "aws_s3_bucket_object_lock_configuration",
        "platform/audit/audit/object-lock",
        setting("rule.default_retention.mode", "GOVERNANCE"),
        "CKV_MLZ_6",
    ),
    Mutation(
        "object lock retention 30 days",
        P,
        "aws_s3_bucket_object_lock_configuration",
        "platform/audit/audit/object-lock",
        setting("rule.default_retention.days", 30),
        "CKV_MLZ_41",
    ),
    Mutation(
        "object lock rule removed",
        P,
        "aws_s3_bucket_object_lock_configuration",
        "platform/audit/audit/object-lock",
        REMOVE,
        "CKV_MLZ_7",
        "platform/audit/audit/bucket",
    ),
    Mutation(
        "single-region trail",
        P,
        "aws_cloudtrail",
        "platform/audit/trail",
        setting("is_multi_region_trail", False),
        "CKV_MLZ_8",
    ),
    Mutation(
        "trail without log file validation",
        P,
        "aws_cloudtrail",
        "platform/audit/trail",
        setting("enable_log_file_validation", None),
        "CKV_MLZ_8",
    ),
    Mutation(
        "trail delivered to an unlocked bucket",
        P,
        "aws_cloudtrail",
        "platform/audit/trail",
        lambda body: body.update(
            s3_bucket_name=body["s3_bucket_name"]
            .replace("audit_bucket", "captures_bucket")
            .replace("audit_audit_bucket", "captures_bucket_bucket")
        ),
        "CKV_MLZ_9",
    ),
    Mutation(
        "key rotation off",
        P,
        "aws_kms_key",
        "platform/data-key/key",
        setting("enable_key_rotation", False),
        "CKV_MLZ_10",
    ),
    Mutation(
        "key policy open to everyone",
        P,
        "aws_kms_key",
        "platform/audit-key/key",
        policy(
            "policy",
            add_statement(
                {"Sid": "Open", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}
            ),
        ),
        "CKV_MLZ_11",
    ),
    Mutation(
        "log group without retention",
        P,
        "aws_cloudwatch_log_group",
        "platform/network/flow-logs",
        setting("retention_in_days", None),
        "CKV_MLZ_19",
    ),
    Mutation(
        "log group without KMS",
        P,
        "aws_cloudwatch_log_group",
        "platform/audit/trail-logs",
        setting("kms_key_id", None),
        "CKV_MLZ_19",
    ),
    Mutation(
        "security group open to the internet",
        P,
        "aws_security_group_rule",
        "platform/network/endpoints-https-in",
        setting("cidr_blocks", ["0.0.0.0/0"]),
        "CKV_MLZ_24",
    ),
    Mutation(
        "subnet maps public IPs",
        P,
        "aws_subnet",
        "platform/network/private-0",
        setting("map_public_ip_on_launch", True),
        "CKV_MLZ_25",
    ),
    Mutation("required tag missing", P, "aws_vpc", "platform/network/vpc", setting("tags.team", None), "CKV_MLZ_23"),
    Mutation(
        "required tag empty", P, "aws_kms_key", "platform/logs-key/key", setting("tags.cost-center", ""), "CKV_MLZ_23"
    ),
    Mutation(
        "IAM policy allows *",
        P,
        "aws_iam_role_policy",
        "platform/network/flow-logs-policy",
        policy("policy", add_statement({"Effect": "Allow", "Action": "*", "Resource": "*"})),
        "CKV_MLZ_20",
    ),
    Mutation(
        "role trusts any AWS principal",
        P,
        "aws_iam_role",
        "platform/network/flow-logs-role",
        policy(
            "assume_role_policy",
            add_statement({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}),
        ),
        "CKV_MLZ_22",
    ),
    Mutation(
        "EMR block public access off",
        P,
        "aws_emr_block_public_access_configuration",
        "platform/emr-block-public-access",
        setting("block_public_security_group_rules", False),
        "CKV_MLZ_17",
    ),
    Mutation(
        "notebook with direct internet",
        F,
        "aws_sagemaker_notebook_instance",
        "fraud-detection/notebook-alice/instance",
        setting("direct_internet_access", "Enabled"),
        "CKV_MLZ_43",
    ),
    Mutation(
        "notebook with root access",
        F,
        "aws_sagemaker_notebook_instance",
        "fraud-detection/notebook-alice/instance",
        setting("root_access", None),
        "CKV_MLZ_44",
    ),
    Mutation(
        "notebook outside a subnet",
        F,
        "aws_sagemaker_notebook_instance",
        "fraud-detection/notebook-alice/instance",
        setting("subnet_id", None),
        "CKV_MLZ_12",
    ),
    Mutation(
        "notebook volume without KMS",
        F,
        "aws_sagemaker_notebook_instance",
        "fraud-detection/notebook-alice/instance",
        setting("kms_key_id", None),
        "CKV_MLZ_45",
    ),
    Mutation(
        "endpoint captures 0 %",
        F,
        "aws_sagemaker_endpoint_configuration",
        "fraud-detection/endpoint-scorer/config",
        setting("data_capture_config.initial_sampling_percentage", 0),
        "CKV_MLZ_47",
    ),
    Mutation(
        "endpoint captures to another bucket",
        F,
        "aws_sagemaker_endpoint_configuration",
        "fraud-detection/endpoint-scorer/config",
        setting("data_capture_config.destination_s3_uri", "s3://elsewhere/x"),
        "CKV_MLZ_48",
    ),
    Mutation(
        "endpoint capture without KMS",
        F,
        "aws_sagemaker_endpoint_configuration",
        "fraud-detection/endpoint-scorer/config",
        setting("data_capture_config.kms_key_id", None),
        "CKV_MLZ_49",
    ),
    Mutation(
        "endpoint without data capture",
        F,
        "aws_sagemaker_endpoint_configuration",
        "fraud-detection/endpoint-scorer/config",
        setting("data_capture_config", None),
        "CKV_MLZ_46",
    ),
    Mutation(
        "endpoint without KMS",
        F,
        "aws_sagemaker_endpoint_configuration",
        "fraud-detection/endpoint-scorer/config",
        setting("kms_key_arn", None),
        "CKV_MLZ_13",
    ),
    Mutation(
        "model without network isolation",
        F,
        "aws_sagemaker_model",
        "fraud-detection/endpoint-scorer/model",
        setting("enable_network_isolation", False),
        "CKV_MLZ_14",
    ),
    Mutation(
        "model outside the VPC",
        F,
        "aws_sagemaker_model",
        "fraud-detection/endpoint-scorer/model",
        setting("vpc_config", None),
        "CKV_MLZ_51",
    ),
    Mutation(
        "model from a raw image and artifact",
        F,
        "aws_sagemaker_model",
        "fraud-detection/endpoint-scorer/model",
        setting(
            "primary_container",
            {"image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/x:1", "model_data_url": "s3://x/model.tar.gz"},
        ),
        "CKV_MLZ_59",
    ),
    Mutation(
        "model from another project's package",
        F,
        "aws_sagemaker_model",
        "fraud-detection/endpoint-scorer/model",
        setting(
            "primary_container",
            {"model_package_name": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn--other/1"},
        ),
        "CKV_MLZ_59",
    ),
    Mutation(
        "EMR without in-transit encryption",
        F,
        "aws_emr_security_configuration",
        "fraud-detection/spark-explore/security-configuration",
        policy("configuration", emr_in_transit_off),
        "CKV_MLZ_15",
    ),
    Mutation(
        "EMR cluster never terminates",
        F,
        "aws_emr_cluster",
        "fraud-detection/spark-explore/cluster",
        setting("auto_termination_policy", None),
        "CKV_MLZ_16",
    ),
    Mutation(
        "ECR tags mutable",
        F,
        "aws_ecr_repository",
        "fraud-detection/model-fraud-scorer/repository",
        setting("image_tag_mutability", "MUTABLE"),
        "CKV_MLZ_18",
    ),
    Mutation(
        "inline iam:* on *",
        F,
        "aws_iam_role_policy",
        "fraud-detection/notebook-alice/role/policy",
        policy("policy", add_statement(ADMIN)),
        "CKV_MLZ_21",
    ),
    Mutation(
        "AdministratorAccess attached",
        F,
        "aws_iam_role_policy_attachment",
        "fraud-detection/spark-explore/service-role/managed-0",
        setting("policy_arn", "arn:aws:iam::aws:policy/AdministratorAccess"),
        "CKV_MLZ_50",
    ),
    # IAM content (issue 9 §3): roles with a boundary (project roles) and without (platform, EMR service role)
    Mutation(
        "iam:PassRole on *",
        F,
        "aws_iam_role_policy",
        "fraud-detection/notebook-alice/role/policy",
        policy("policy", allow("iam:PassRole")),
        "CKV_MLZ_31",
    ),
    Mutation(
        "iam:PassRole on * (EMR service role, no boundary)",
        F,
        "aws_iam_role_policy",
        "fraud-detection/spark-explore/service-role/policy",
        policy("policy", lambda doc: doc["Statement"][0].update(Resource="*")),
        "CKV_MLZ_31",
    ),
    Mutation(
        "CreatePolicyVersion + SetDefaultPolicyVersion",
        P,
        "aws_iam_role_policy",
        "platform/network/flow-logs-policy",
        policy("policy", allow(["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"])),
        "CKV_MLZ_32",
    ),
    Mutation(
        "AttachRolePolicy + PutRolePolicy on *",
        F,
        "aws_iam_role_policy",
        "fraud-detection/spark-explore/service-role/policy",
        policy("policy", allow(["iam:AttachRolePolicy", "iam:PutRolePolicy"])),
        "CKV_MLZ_33",
    ),
    Mutation(
        "iam:Put* on every role",
        C,
        "aws_iam_role_policy",
        "churn/deploy-role/policy",
        policy("policy", allow("iam:Put*", "arn:aws:iam::123456789012:role/*")),
        "CKV_MLZ_33",
    ),
    Mutation(
        "sts:AssumeRole on *",
        C,
        "aws_iam_role_policy",
        "churn/deploy-role/policy",
        policy("policy", allow("sts:AssumeRole")),
        "CKV_MLZ_34",
    ),
    Mutation(
        "s3:GetObject on *",
        F,
        "aws_iam_role_policy",
        "fraud-detection/endpoint-scorer/role/policy",
        policy("policy", allow("s3:GetObject")),
        "CKV_MLZ_35",
    ),
    Mutation(
        "kms:Decrypt on * (platform role, no boundary)",
        P,
        "aws_iam_role_policy",
        "platform/network/flow-logs-policy",
        policy("policy", allow("kms:Decrypt")),
        "CKV_MLZ_35",
    ),
    Mutation(
        "secretsmanager:GetSecretValue on *",
        F,
        "aws_iam_role_policy",
        "fraud-detection/batch-nightly-scoring/job-role/policy",
        policy("policy", allow("secretsmanager:GetSecretValue")),
        "CKV_MLZ_35",
    ),
    Mutation(
        "Allow + NotAction",
        C,
        "aws_iam_role_policy",
        "churn/notebook-bob/role/policy",
        policy("policy", add_statement({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
        "CKV_MLZ_36",
    ),
    Mutation(
        "Allow + NotResource",
        P,
        "aws_iam_role_policy",
        "platform/audit/trail-logs-policy",
        policy(
            "policy",
            add_statement(
                {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::acme-ml-audit-eu-west-1/*"}
            ),
        ),
        "CKV_MLZ_37",
    ),
    Mutation(
        "key policy grants another account",
        P,
        "aws_kms_key",
        "platform/data-key/key",
        policy(
            "policy",
            add_statement({"Effect": "Allow", "Principal": {"AWS": FOREIGN}, "Action": "kms:Decrypt", "Resource": "*"}),
        ),
        "CKV_MLZ_38",
    ),
    Mutation(
        "bucket policy grants another account",
        P,
        "aws_s3_bucket_policy",
        "platform/emr-logs/policy",
        policy(
            "policy",
            add_statement(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": FOREIGN},
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::acme-ml-emr-logs-eu-west-1/*",
                }
            ),
        ),
        "CKV_MLZ_38",
    ),
    Mutation(
        "registry shared with another account",
        C,
        "aws_sagemaker_model_package_group_policy",
        "churn/model-churn-model/share",
        policy("resource_policy", lambda doc: doc["Statement"][0].update(Principal={"AWS": FOREIGN}, Condition={})),
        "CKV_MLZ_38",
    ),
    Mutation(
        "boundary allows iam:* on *",
        F,
        "aws_iam_policy",
        "fraud-detection/boundary/policy",
        policy("policy", add_statement(ADMIN)),
        "CKV_MLZ_42",
    ),
    Mutation(
        "audit bucket writable outside the record prefixes",
        P,
        "aws_s3_bucket_policy",
        "platform/audit/audit/policy",
        policy(
            "policy",
            add_statement(
                {
                    "Sid": "Mutation",
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:role/mlzone-apply"},
                    "Action": "s3:PutObject",
                    "Resource": "arn:aws:s3:::acme-ml-audit-eu-west-1/scratch/*",
                }
            ),
        ),
        "CKV_MLZ_58",
    ),
    Mutation(
        "policy the gate cannot read",
        C,
        "aws_iam_role_policy",
        "churn/notebook-bob/role/policy",
        setting("policy", '${file("policy.json")}'),
        "CKV_MLZ_30",
    ),
]


@pytest.fixture(scope="module")
def secure(example_full_synth: dict[str, dict], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_stacks(tmp_path_factory.mktemp("secure"), example_full_synth)


def test_the_secure_example_passes_every_check(secure: dict[str, Path]) -> None:
    result = run_gate(list(secure.values()))
    assert result.ok, "\n".join(report.lines(result))
    assert {r.stack for r in result.files} == set(secure)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_the_gate_blocks_each_insecure_mutation(
    mutation: Mutation, example_full_synth: dict[str, dict], tmp_path: Path
) -> None:
    doc = copy.deepcopy(example_full_synth[mutation.stack])
    body = resource(doc, mutation.type_, mutation.path)
    mutation.change(body)
    if not body:  # REMOVE: drop the resource itself
        bodies = doc["resource"][mutation.type_]
        del bodies[next(k for k, v in bodies.items() if v is body)]
    file = write_stacks(tmp_path, {mutation.stack: doc})[mutation.stack]
    result = run_gate([file])
    assert not result.ok, f"{mutation.name}: the gate let it through"
    blocked = {(f.check_id, f.path) for f in result.failed}
    assert (mutation.check, mutation.finding_path or mutation.path) in blocked, sorted(blocked)


def test_there_are_at_least_25_mutations_over_distinct_checks() -> None:
    assert len(MUTATIONS) >= 25
    assert len({m.check for m in MUTATIONS}) >= 20


def test_an_exception_for_one_condition_hides_no_other(example_full_synth: dict[str, dict], tmp_path: Path) -> None:
    """One condition per check id: excepting root access on a notebook leaves its missing KMS key blocked."""
    path = "fraud-detection/notebook-alice/instance"
    doc = copy.deepcopy(example_full_synth[F])
    body = resource(doc, "aws_sagemaker_notebook_instance", path)
    body["root_access"] = "Enabled"
    del body["kms_key_id"]
    entries = yaml.safe_load(EXCEPTIONS_FILE.read_text())["exceptions"] + [
        {
            "check_id": "CKV_MLZ_44",
            "resource": path,
            "reason": "the data scientists install kernels as root for a trial",
            "owner": "ml-platform",
            "ticket": "test",
            "expires": "2099-01-01",
        }
    ]
    exceptions = tmp_path / "exceptions.yaml"
    exceptions.write_text(yaml.safe_dump({"exceptions": entries}))
    result = run_gate([write_stacks(tmp_path, {F: doc})[F]], exceptions_file=exceptions)
    assert {f.check_id for f in result.excepted if f.path == path} == {"CKV_MLZ_44"}  # CKV_AWS_307 is covered by it
    # the missing key still blocks: ours, and the built-in that stays (CKV_AWS_187, policies/overlaps.yaml)
    assert {(f.check_id, f.path) for f in result.failed} == {("CKV_MLZ_45", path), ("CKV_AWS_187", path)}
