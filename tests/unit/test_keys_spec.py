"""platform.yaml `audit.break_glass_role_arn`: the audit key's break-glass principal (docs/keys.md)."""

from __future__ import annotations

import pytest
import yaml

from stacks.spec import SpecError, load_platform

pytestmark = pytest.mark.unit
PLATFORM = {"name": "acme-ml", "region": "eu-west-1"}


def load(tmp_path, **fields):
    file = tmp_path / "platform.yaml"
    file.write_text(yaml.safe_dump({**PLATFORM, **fields}))
    return file, load_platform(file)


def test_break_glass_defaults_to_the_mlzone_break_glass_role(tmp_path):
    _, platform = load(tmp_path)
    assert platform.audit.break_glass_role_arn is None
    assert platform.break_glass_arn("210987654321") == "arn:aws:iam::210987654321:role/mlzone-break-glass"


def test_break_glass_role_can_be_named(tmp_path):
    arn = "arn:aws:iam::210987654321:role/ops/audit-break-glass"
    _, platform = load(tmp_path, account_id="210987654321", audit={"break_glass_role_arn": arn})
    assert platform.break_glass_arn("210987654321") == arn


@pytest.mark.parametrize(
    "fields, match",
    [
        ({"audit": {"break_glass_role_arn": "arn:aws:iam::210987654321:user/alice"}}, r"is not an IAM role ARN"),
        ({"audit": {"break_glass_role_arn": "arn:aws:iam::210987654321:role/x\n"}}, r"is not an IAM role ARN"),
        ({"audit": {"break_glass_role_arn": "*"}}, r"is not an IAM role ARN"),
        (
            {"account_id": "123456789012", "audit": {"break_glass_role_arn": "arn:aws:iam::210987654321:role/bg"}},
            r"is not in account 123456789012",
        ),
    ],
)
def test_break_glass_role_must_be_a_role_of_the_account(tmp_path, fields, match):
    with pytest.raises(SpecError, match=match) as info:
        load(tmp_path, **fields)
    assert "platform.yaml" in str(info.value) and "fix:" in str(info.value)
