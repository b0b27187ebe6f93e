"""The platform stack's secure properties: keys, private network, audit and capture storage, tags."""

from __future__ import annotations

import json

import pytest
from cdktf import TerraformResource, Testing

from modules.audit_writers import RECORD_PREFIXES
from modules.bucket import BucketProps
from modules.keys import KeyProps
from modules.network import NetworkProps
from modules.tagging import REQUIRED_TAG_KEYS, RequiredTags
from stacks.app import build_stacks
from stacks.spec import Allow, SpecError, Zone
from stacks.target import Target
from tests.conftest import only, resources, synth

pytestmark = pytest.mark.unit


def ref(doc: dict, type_: str, logical_id_prefix: str, attr: str) -> str:
    """The `${type.id.attr}` reference to the one resource of `type_` whose id starts with the prefix."""
    ids = [i for i in resources(doc, type_) if i.startswith(logical_id_prefix)]
    assert len(ids) == 1, ids
    return "${" + f"{type_}.{ids[0]}.{attr}" + "}"


def bucket_ids(doc: dict) -> dict[str, str]:
    """Bucket name -> logical id."""
    return {b["bucket"]: i for i, b in resources(doc, "aws_s3_bucket").items()}


def for_bucket(doc: dict, type_: str, bucket_id: str) -> dict:
    matches = [r for r in resources(doc, type_).values() if r["bucket"] == "${aws_s3_bucket." + bucket_id + ".id}"]
    assert len(matches) == 1, f"{type_} for {bucket_id}: {len(matches)}"
    return matches[0]


# ------------------------------------------------------------------ keys


def test_three_purpose_keys_rotate_with_long_deletion_window(platform):
    keys = resources(platform, "aws_kms_key")
    assert len(keys) == 3
    for key in keys.values():
        assert key["enable_key_rotation"] is True
        assert key["deletion_window_in_days"] == 30
    aliases = {a["name"] for a in resources(platform, "aws_kms_alias").values()}
    assert aliases == {"alias/acme-ml-data", "alias/acme-ml-audit", "alias/acme-ml-logs"}


def test_key_policies_grant_only_root_and_conditioned_services(platform):
    # Behaviour change (issue 9): the root administers without data use, and DescribeKey is the one
    # unconditioned service action (it carries no encryption context).
    for key in resources(platform, "aws_kms_key").values():
        statements = json.loads(key["policy"])["Statement"]
        assert statements[0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
        assert not {"kms:*", "kms:Decrypt", "kms:Encrypt", "kms:CreateGrant"} & set(statements[0]["Action"])
        for st in statements[1:]:
            if st["Effect"] == "Deny":
                continue
            assert st["Principal"] != "*" and st["Principal"] != {"AWS": "*"}
            assert ("Condition" in st and st["Condition"]) or st["Action"] == ["kms:DescribeKey"], st
    policies = [json.loads(k["policy"]) for k in resources(platform, "aws_kms_key").values()]
    services = {st["Principal"].get("Service") for p in policies for st in p["Statement"]}
    assert {"cloudtrail.amazonaws.com", "logs.eu-west-1.amazonaws.com"} <= services


def key_statements(platform: dict, alias: str) -> dict[str, dict]:
    """The statements (by Sid) of the platform key with this alias."""
    target = next(a["target_key_id"] for a in resources(platform, "aws_kms_alias").values() if a["name"] == alias)
    key = next(k for i, k in resources(platform, "aws_kms_key").items() if target == "${aws_kms_key." + i + ".key_id}")
    return {st["Sid"]: st for st in json.loads(key["policy"])["Statement"]}


def test_audit_key_lets_cloudtrail_describe_unconditioned_and_encrypt_for_our_trail_only(platform):
    st = key_statements(platform, "alias/acme-ml-audit")
    trail = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/acme-ml-audit"
    assert st["Service0"]["Action"] == ["kms:GenerateDataKey*"]
    assert st["Service0"]["Condition"] == {
        "StringEquals": {"aws:SourceArn": trail},
        "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:123456789012:trail/*"},
    }
    assert st["Service0Describe"] == {
        "Sid": "Service0Describe",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": ["kms:DescribeKey"],
        "Resource": "*",
    }
    assert st["AccountReadsTrailLogs"]["Action"] == ["kms:Decrypt", "kms:ReEncryptFrom"]
    assert st["AccountReadsTrailLogs"]["Condition"]["StringEquals"] == {"kms:CallerAccount": "123456789012"}
    # The trail in the stack is the one the key names.
    assert only(platform, "aws_cloudtrail")["name"] == "acme-ml-audit"


def test_audit_key_denies_crypto_shredding_to_all_but_break_glass(platform):
    st = key_statements(platform, "alias/acme-ml-audit")["OnlyBreakGlassShreds"]
    assert st["Effect"] == "Deny" and st["Principal"] == {"AWS": "*"}
    assert {"kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:DisableKeyRotation"} <= set(
        st["Action"]
    )
    assert st["Condition"] == {
        "ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/mlzone-break-glass"}
    }
    keys = {k["description"]: k for k in resources(platform, "aws_kms_key").values()}
    assert keys["mlzone audit trail and audit bucket"]["bypass_policy_lockout_safety_check"] is True
    others = [k for d, k in keys.items() if "audit" not in d]
    assert all("bypass_policy_lockout_safety_check" not in k for k in others)
    assert all("OnlyBreakGlassShreds" not in k["policy"] for k in others)


def test_break_glass_role_comes_from_the_platform_spec(zone):
    platform = zone.platform.model_copy(
        update={
            "audit": zone.platform.audit.model_copy(
                update={"break_glass_role_arn": "arn:aws:iam::123456789012:role/ops/audit-break-glass"}
            )
        }
    )
    doc = synth(build_stacks(Testing.app(), Zone(zone.root, platform, ()), Target()).node.find_child("platform"))
    st = key_statements(doc, "alias/acme-ml-audit")["OnlyBreakGlassShreds"]
    assert st["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] == "arn:aws:iam::123456789012:role/ops/audit-break-glass"


def test_platform_data_key_names_its_users(platform):
    st = key_statements(platform, "alias/acme-ml-data")
    assert st["KeyUsers"]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert st["KeyUsers"]["Condition"] == {"ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::123456789012:role/mlzone/*"]}}
    assert not only_role_named(platform, "acme-ml-mlflow")  # no shared MLflow server in the example


def only_role_named(doc: dict, name: str) -> bool:
    return [r["name"] for r in resources(doc, "aws_iam_role").values() if r["name"] == name] == [name]


def test_key_props_reject_short_deletion_window():
    with pytest.raises(ValueError, match=r"deletion_window_in_days=5; fix: use 7 to 30 days"):
        KeyProps(name="k", account_id="123456789012", region="eu-west-1", deletion_window_in_days=5)


# ------------------------------------------------------------------ network


def test_network_has_no_route_to_the_internet(platform):
    for forbidden in ("aws_internet_gateway", "aws_nat_gateway", "aws_eip", "aws_egress_only_internet_gateway"):
        assert not resources(platform, forbidden), forbidden
    subnets = resources(platform, "aws_subnet")
    assert len(subnets) == 2
    assert all(s["map_public_ip_on_launch"] is False for s in subnets.values())
    assert {s["availability_zone"] for s in subnets.values()} == {"eu-west-1a", "eu-west-1b"}
    assert not any("route" in r for r in resources(platform, "aws_route_table").values())
    assert not resources(platform, "aws_route")


def test_no_security_group_allows_ingress_from_anywhere(platform):
    rules = resources(platform, "aws_security_group_rule").values()
    assert rules
    for rule in rules:
        if rule["type"] == "ingress":
            assert "0.0.0.0/0" not in rule.get("cidr_blocks", []) and "::/0" not in rule.get("ipv6_cidr_blocks", [])
    default = only(platform, "aws_default_security_group")
    assert default["ingress"] == [] and default["egress"] == []


def test_platform_has_no_workload_security_group(platform):
    """Only the VPC endpoints' group: HTTPS from the VPC, no self-reference; workloads get per-project groups."""
    (group,) = resources(platform, "aws_security_group").values()
    assert group["name"] == "acme-ml-endpoints"
    (rule,) = resources(platform, "aws_security_group_rule").values()
    assert (rule["type"], rule["protocol"], rule["from_port"], rule["cidr_blocks"]) == (
        "ingress",
        "tcp",
        443,
        ["10.20.0.0/16"],
    )
    assert "self" not in rule and "source_security_group_id" not in rule
    outputs = platform["output"]
    assert "workload_security_group_id" not in outputs
    assert {"endpoint_security_group_id", "s3_prefix_list_id"} <= set(outputs)


def test_vpc_endpoints_cover_the_ml_services(platform):
    endpoints = resources(platform, "aws_vpc_endpoint").values()
    names = {e["service_name"].removeprefix("com.amazonaws.eu-west-1.") for e in endpoints}
    assert {
        "s3",
        "sagemaker.api",
        "sagemaker.runtime",
        "sts",
        "logs",
        "kms",
        "ecr.api",
        "ecr.dkr",
        "elasticmapreduce",
    } <= names
    for e in endpoints:
        if e["vpc_endpoint_type"] == "Interface":
            assert e["private_dns_enabled"] is True and e["security_group_ids"]


def test_flow_logs_go_to_an_encrypted_log_group(platform):
    flow = only(platform, "aws_flow_log")
    assert flow["traffic_type"] == "ALL"
    group = resources(platform, "aws_cloudwatch_log_group")[flow["log_destination"].split(".")[1]]
    assert group["kms_key_id"] == ref(platform, "aws_kms_key", "logs-key", "arn")
    assert group["retention_in_days"] == 365


def test_every_log_group_is_encrypted_and_expires(platform):
    groups = resources(platform, "aws_cloudwatch_log_group").values()
    assert len(groups) >= 2  # flow logs and the CloudWatch copy of the trail
    for group in groups:
        assert group["kms_key_id"] == ref(platform, "aws_kms_key", "logs-key", "arn")
        assert 0 < group["retention_in_days"] <= 3653


def test_network_props_reject_too_many_azs():
    with pytest.raises(ValueError, match=r"availability_zones=4; fix: use 2 to 3"):
        NetworkProps(name="n", region="eu-west-1", account_id="1", logs_key_arn="arn", availability_zones=4)


# ------------------------------------------------------------------ storage


def test_every_bucket_blocks_public_access_versions_and_requires_tls(platform):
    ids = bucket_ids(platform)
    # Behaviour change (issue 9): project data lives in each project's own bucket (project stack).
    assert set(ids) == {
        f"acme-ml-{purpose}-eu-west-1" for purpose in ("audit", "access-logs", "predictions", "emr-logs", "athena")
    }  # no shared MLflow
    for bucket_id in ids.values():
        pab = for_bucket(platform, "aws_s3_bucket_public_access_block", bucket_id)
        assert all(
            pab[flag] is True
            for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
        )
        versioning = for_bucket(platform, "aws_s3_bucket_versioning", bucket_id)
        assert versioning["versioning_configuration"]["status"] == "Enabled"
        policy = json.loads(for_bucket(platform, "aws_s3_bucket_policy", bucket_id)["policy"])
        tls = [s for s in policy["Statement"] if s["Sid"] == "DenyInsecureTransport"]
        assert tls and tls[0]["Effect"] == "Deny" and tls[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        ownership = for_bucket(platform, "aws_s3_bucket_ownership_controls", bucket_id)
        assert ownership["rule"]["object_ownership"] == "BucketOwnerEnforced"


def sse(platform: dict, bucket_id: str) -> dict:
    rule = for_bucket(platform, "aws_s3_bucket_server_side_encryption_configuration", bucket_id)["rule"][0]
    return {**rule["apply_server_side_encryption_by_default"], "bucket_key_enabled": rule.get("bucket_key_enabled")}


def test_audit_bucket_is_locked_and_encrypted_with_the_audit_key(platform):
    audit = bucket_ids(platform)["acme-ml-audit-eu-west-1"]
    assert resources(platform, "aws_s3_bucket")[audit]["object_lock_enabled"] is True
    lock = for_bucket(platform, "aws_s3_bucket_object_lock_configuration", audit)
    assert lock["rule"]["default_retention"] == {"mode": "COMPLIANCE", "days": 2555}
    assert sse(platform, audit) == {
        "sse_algorithm": "aws:kms",
        "kms_master_key_id": ref(platform, "aws_kms_key", "audit-key", "arn"),
        "bucket_key_enabled": True,
    }
    logging = for_bucket(platform, "aws_s3_bucket_logging", audit)
    assert logging["target_bucket"] == ref(platform, "aws_s3_bucket_policy", "audit_access-logs", "bucket")


def test_capture_bucket_is_encrypted_but_deletable(platform):
    captures = bucket_ids(platform)["acme-ml-predictions-eu-west-1"]
    assert "object_lock_enabled" not in resources(platform, "aws_s3_bucket")[captures]
    assert not [
        r for r in resources(platform, "aws_s3_bucket_object_lock_configuration").values() if captures in r["bucket"]
    ]
    assert sse(platform, captures)["kms_master_key_id"] == ref(platform, "aws_kms_key", "data-key", "arn")
    rule = for_bucket(platform, "aws_s3_bucket_lifecycle_configuration", captures)["rule"][0]
    assert rule["expiration"][0]["days"] == 90
    assert rule["noncurrent_version_expiration"][0]["noncurrent_days"] == 1


def test_access_log_bucket_accepts_only_s3_log_delivery(platform):
    logs = bucket_ids(platform)["acme-ml-access-logs-eu-west-1"]
    assert sse(platform, logs)["sse_algorithm"] == "AES256"  # the AWS limitation for log targets
    policy = json.loads(for_bucket(platform, "aws_s3_bucket_policy", logs)["policy"])
    grants = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert [g["Principal"] for g in grants] == [{"Service": "logging.s3.amazonaws.com"}]
    assert grants[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_trail_is_multi_region_validated_and_encrypted(platform):
    trail = only(platform, "aws_cloudtrail")
    assert trail["is_multi_region_trail"] is True
    assert trail["enable_log_file_validation"] is True
    assert trail["include_global_service_events"] is True
    assert trail["kms_key_id"] == ref(platform, "aws_kms_key", "audit-key", "arn")
    assert trail["s3_bucket_name"] == ref(platform, "aws_s3_bucket", "audit_bucket", "bucket")


def test_bucket_props_require_a_reason_to_opt_out():
    with pytest.raises(ValueError, match=r"set exactly one of kms_key_arn or allow_sse_s3_reason"):
        BucketProps(name="acme-x", kms_key_arn=None, access_log_bucket="logs")
    with pytest.raises(ValueError, match=r"set exactly one of access_log_bucket or allow_no_access_logs_reason"):
        BucketProps(name="acme-x", kms_key_arn="arn", access_log_bucket=None)
    with pytest.raises(ValueError, match=r"breaks S3 naming rules"):
        BucketProps(name="Acme_X", kms_key_arn="arn", access_log_bucket="logs")


def test_governance_mode_and_retention_come_from_the_spec(zone):
    platform = zone.platform.model_copy(
        update={
            "audit": zone.platform.audit.model_copy(
                update={
                    "object_lock_mode": "GOVERNANCE",
                    "retention_days": 400,
                    "allow_governance_mode": Allow(reason="sandbox account: trails are purged after tests"),
                }
            )
        }
    )
    doc = synth(build_stacks(Testing.app(), Zone(zone.root, platform, ()), Target()).node.find_child("platform"))
    lock = only(doc, "aws_s3_bucket_object_lock_configuration")
    assert lock["rule"]["default_retention"] == {"mode": "GOVERNANCE", "days": 400}


# ------------------------------------------------------------------ tags


def test_every_taggable_resource_carries_the_required_tags(example_stacks, example_synth):
    checked = 0
    for name, stack in example_stacks.items():
        for node in stack.node.find_all():
            if isinstance(node, TerraformResource) and hasattr(node, "tags_input"):
                tags = example_synth[name]["resource"][node.terraform_resource_type][node.friendly_unique_id]["tags"]
                assert set(REQUIRED_TAG_KEYS) <= set(tags), node.node.path
                assert all(tags[k] for k in REQUIRED_TAG_KEYS), node.node.path
                checked += 1
    assert checked > 20
    tags = only(example_synth["platform"], "aws_cloudtrail")["tags"]
    assert tags["project"] == "acme-ml" and tags["managed-by"] == "mlzone" and tags["cost-center"] == "CC-0001"


def test_required_tags_must_be_non_empty():
    with pytest.raises(ValueError, match=r"required tags \['cost-center'\] are empty"):
        RequiredTags(team="t", project="p", cost_center="", data_classification="internal")


# ------------------------------------------------------------------ targets


def test_local_target_uses_the_emulator_with_capped_retries(platform):
    provider = platform["provider"]["aws"][0]
    assert provider["max_retries"] == 2 and provider["access_key"] == "test"
    assert provider["endpoints"][0]["s3"] == "${var.emulator_url}"
    assert platform["terraform"]["backend"] == {"local": {"path": "../../../.mlzone/state/platform.tfstate"}}


def test_aws_target_uses_a_locked_s3_backend(zone):
    platform = zone.platform.model_copy(update={"account_id": "111122223333", "state_bucket": "acme-tfstate"})
    doc = synth(
        build_stacks(Testing.app(), Zone(zone.root, platform, ()), Target(kind="aws")).node.find_child("platform")
    )
    assert doc["terraform"]["backend"]["s3"] == {
        "bucket": "acme-tfstate",
        "key": "mlzone/platform.tfstate",
        "region": "eu-west-1",
        "encrypt": True,
        "kms_key_id": "alias/acme-ml-tfstate",
        "use_lockfile": True,
    }
    provider = doc["provider"]["aws"][0]
    assert provider == {"region": "eu-west-1", "allowed_account_ids": ["111122223333"]}
    key = json.loads(next(iter(resources(doc, "aws_kms_key").values()))["policy"])
    assert key["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}


def test_aws_target_requires_account_and_state_bucket(zone):
    with pytest.raises(SpecError, match=r"account_id is required for --target aws"):
        build_stacks(Testing.app(), Zone(zone.root, zone.platform, ()), Target(kind="aws"))
    platform = zone.platform.model_copy(update={"account_id": "111122223333"})
    with pytest.raises(SpecError, match=r"state_bucket is required for --target aws"):
        build_stacks(Testing.app(), Zone(zone.root, platform, ()), Target(kind="aws"))


def test_target_from_env(monkeypatch):
    monkeypatch.setenv("MLZONE_TARGET", "gcp")
    with pytest.raises(SpecError, match=r"MLZONE_TARGET='gcp' is not a target; fix: set it to local or aws"):
        Target.from_env()
    monkeypatch.setenv("MLZONE_TARGET", "aws")
    assert Target.from_env().kind == "aws"


def test_the_deploy_identity_writes_only_the_record_prefixes_of_the_audit_bucket_and_nobody_deletes(platform):
    audit = bucket_ids(platform)["acme-ml-audit-eu-west-1"]
    policy = json.loads(for_bucket(platform, "aws_s3_bucket_policy", audit)["policy"])
    by_sid = {s.get("Sid"): s for s in policy["Statement"]}
    records = [f"arn:aws:s3:::acme-ml-audit-eu-west-1/{p}*" for p in RECORD_PREFIXES]
    deployer = {"AWS": "arn:aws:iam::123456789012:role/mlzone-apply"}
    assert by_sid["DeployWritesRecords"] == {
        "Sid": "DeployWritesRecords",
        "Effect": "Allow",
        "Principal": deployer,
        "Action": "s3:PutObject",
        "Resource": records,
    }
    assert by_sid["DeployWritesOnlyRecords"]["Effect"] == "Deny"
    assert by_sid["DeployWritesOnlyRecords"]["NotResource"] == records
    deletes = by_sid["NoRecordDeletes"]
    assert deletes["Effect"] == "Deny" and deletes["Principal"] == {"AWS": "*"}
    assert set(deletes["Action"]) == {"s3:DeleteObject", "s3:DeleteObjectVersion"}
    allowed = [a for s in policy["Statement"] if s["Effect"] == "Allow" for a in [s["Action"]]]
    assert not [a for a in allowed if "Delete" in str(a)], "no statement allows a delete"


def test_the_audit_key_lets_record_writers_encrypt_through_s3_only(platform):
    st = key_statements(platform, "alias/acme-ml-audit")["RecordWritersThroughS3"]
    assert st["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    assert st["Condition"]["StringEquals"]["kms:ViaService"] == "s3.eu-west-1.amazonaws.com"
    assert st["Condition"]["ArnLike"]["aws:PrincipalArn"] == [
        "arn:aws:iam::123456789012:role/mlzone-apply",
        "arn:aws:iam::123456789012:role/mlzone-approval/*",
    ]
