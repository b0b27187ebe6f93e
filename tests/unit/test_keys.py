"""modules/keys.py: what makes each key policy secure (administration without data use, named users,
conditioned service grants, break-glass protection)."""

from __future__ import annotations

import json

import pytest

from modules.keys import ADMIN_ACTIONS, SHRED_ACTIONS, Key, KeyProps, ServiceGrant, cloudtrail_log_readers
from tests.conftest import only, synth
from tests.unit.project_scope import stack

pytestmark = pytest.mark.unit
ACCOUNT = "123456789012"
ROOT = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
TRAIL = f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/acme-audit"


def key_policy(props: KeyProps) -> tuple[dict, dict[str, dict]]:
    s = stack()
    Key(s, "key", props)
    key = only(synth(s), "aws_kms_key")
    return key, {st["Sid"]: st for st in json.loads(key["policy"])["Statement"]}


def test_root_administers_without_any_data_use():
    _, st = key_policy(KeyProps(name="k", account_id=ACCOUNT, region="eu-west-1"))
    assert list(st) == ["AccountRootAdministers"]
    admin = st["AccountRootAdministers"]
    assert admin["Principal"] == ROOT and admin["Action"] == list(ADMIN_ACTIONS)
    data_use = {
        "kms:*",
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey",
        "kms:GenerateDataKey*",
        "kms:CreateGrant",
        "kms:Create*",
    }
    assert not data_use & set(admin["Action"])
    assert {"kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"} <= set(admin["Action"])


def test_users_are_named_by_principal_arn_and_services_hold_grants_only_for_resources():
    key, st = key_policy(
        KeyProps(
            name="k",
            account_id=ACCOUNT,
            region="eu-west-1",
            user_arn_patterns=(f"arn:aws:iam::{ACCOUNT}:role/mlzone/a/*",),
            workload_arn_patterns=(f"arn:aws:iam::{ACCOUNT}:role/mlzone/*/*",),
        )
    )
    users = {"ArnLike": {"aws:PrincipalArn": [f"arn:aws:iam::{ACCOUNT}:role/mlzone/a/*"]}}
    assert st["KeyUsers"]["Principal"] == ROOT and st["KeyUsers"]["Condition"] == users
    assert "kms:Decrypt" in st["KeyUsers"]["Action"]
    assert st["KeyUsersGrantToServices"]["Condition"] == {**users, "Bool": {"kms:GrantIsForAWSResource": "true"}}
    deployer = st["DeployerGrantsThroughServices"]
    assert deployer["Action"] == "kms:CreateGrant"
    assert deployer["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
    assert deployer["Condition"]["StringEquals"]["kms:CallerAccount"] == ACCOUNT
    assert all(s.endswith(".eu-west-1.amazonaws.com") for s in deployer["Condition"]["StringEquals"]["kms:ViaService"])
    assert deployer["Condition"]["ArnNotLike"] == {"aws:PrincipalArn": [f"arn:aws:iam::{ACCOUNT}:role/mlzone/*/*"]}
    assert "bypass_policy_lockout_safety_check" not in key


def test_users_must_be_principals_of_the_account():
    with pytest.raises(ValueError, match=r"not principals of account 123456789012"):
        KeyProps(
            name="k", account_id=ACCOUNT, region="eu-west-1", user_arn_patterns=("arn:aws:iam::999999999999:role/*",)
        )


def test_cloudtrail_grant_splits_describe_key_from_the_context_condition():
    _, st = key_policy(
        KeyProps(name="k", account_id=ACCOUNT, region="eu-west-1", services=(ServiceGrant.cloudtrail(ACCOUNT, TRAIL),))
    )
    encrypt, describe = st["Service0"], st["Service0Describe"]
    assert encrypt["Principal"] == describe["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert encrypt["Action"] == ["kms:GenerateDataKey*"]
    assert encrypt["Condition"]["StringEquals"] == {"aws:SourceArn": TRAIL}
    assert "kms:EncryptionContext:aws:cloudtrail:arn" in encrypt["Condition"]["StringLike"]
    assert describe["Action"] == ["kms:DescribeKey"] and "Condition" not in describe


@pytest.mark.parametrize("action", ["kms:DescribeKey", "kms:Describe*"])
def test_a_grant_refuses_describe_key_under_an_encryption_context_condition(action):
    with pytest.raises(ValueError, match=r"never carry an encryption context.*fix: move them to unconditioned_actions"):
        ServiceGrant(
            principal="cloudtrail.amazonaws.com",
            actions=("kms:GenerateDataKey*", action),
            condition={"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:*"}},
        )


def test_a_grant_never_leaves_data_actions_unconditioned():
    with pytest.raises(ValueError, match=r"\['kms:Decrypt'\] may not be unconditioned"):
        ServiceGrant(
            principal="x.amazonaws.com",
            condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            unconditioned_actions=("kms:Decrypt",),
        )
    with pytest.raises(ValueError, match=r"the condition is empty"):
        ServiceGrant(principal="x.amazonaws.com", condition={})


def test_logs_grant_describes_unconditioned_and_uses_the_key_for_our_log_groups_only():
    _, st = key_policy(
        KeyProps(name="k", account_id=ACCOUNT, region="eu-west-1", services=(ServiceGrant.logs("eu-west-1", ACCOUNT),))
    )
    assert st["Service0"]["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:eu-west-1:{ACCOUNT}:*"}
    }
    assert not [a for a in st["Service0"]["Action"] if a.startswith("kms:Describe")]
    assert st["Service0Describe"]["Action"] == ["kms:DescribeKey"]


def test_trail_log_readers_decrypt_trail_logs_of_our_account_only():
    st = cloudtrail_log_readers(ACCOUNT)
    assert st["Principal"] == ROOT and st["Action"] == ["kms:Decrypt", "kms:ReEncryptFrom"]
    assert st["Condition"] == {
        "StringEquals": {"kms:CallerAccount": ACCOUNT},
        "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"},
    }


def test_a_protected_key_denies_shredding_to_all_but_the_break_glass_principal():
    glass = f"arn:aws:iam::{ACCOUNT}:role/mlzone-break-glass"
    key, st = key_policy(KeyProps(name="k", account_id=ACCOUNT, region="eu-west-1", break_glass_arn=glass))
    deny = st["OnlyBreakGlassShreds"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == {"AWS": "*"} and deny["Resource"] == "*"
    assert deny["Action"] == list(SHRED_ACTIONS)
    assert {"kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:DisableKeyRotation"} <= set(
        SHRED_ACTIONS
    )
    assert deny["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": glass}}
    # The deployer is not the break-glass role: CreateKey must skip KMS's lock-out check (docs/keys.md).
    assert key["bypass_policy_lockout_safety_check"] is True
    # Nothing but the break-glass path may create grants on it either: no Allow of CreateGrant exists.
    assert not [s for s in st.values() if s["Effect"] == "Allow" and "kms:CreateGrant" in s["Action"]]
