"""`mlzone env PROJECT --as USER`: an emulator IAM user whose key STS answers as that user (four eyes locally)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from mlzone.errors import INVALID, Failure
from mlzone.local_identity import IdentityError, user_credentials
from mlzone.orchestrate.zone_commands import env

pytestmark = pytest.mark.unit
REGION = "eu-west-1"


def caller(credentials: dict[str, str]) -> str:
    sts = boto3.client(
        "sts",
        region_name=REGION,
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
    )
    return sts.get_caller_identity()["Arn"]


def test_each_user_is_its_own_identity_and_a_new_key_retires_the_old() -> None:
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        alice, carol = user_credentials(iam, "alice"), user_credentials(iam, "carol")
        assert caller(alice).endswith(":user/alice") and caller(carol).endswith(":user/carol")
        for _ in range(3):  # over IAM's two keys per user
            again = user_credentials(iam, "alice")
        assert caller(again).endswith(":user/alice")
        [key] = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
        assert key["AccessKeyId"] == again["AWS_ACCESS_KEY_ID"] != alice["AWS_ACCESS_KEY_ID"]


def test_a_bad_user_name_and_the_aws_target_are_refused(tmp_path) -> None:
    with mock_aws(), pytest.raises(IdentityError, match="'al ice' is not an IAM user name; fix:"):
        user_credentials(boto3.client("iam", region_name=REGION), "al ice")
    with pytest.raises(Failure, match="--as alice is for the local target only; fix:") as refused:
        env(tmp_path, "aws", "fraud-detection", "alice")
    assert refused.value.code == INVALID
