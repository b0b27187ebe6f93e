"""Customer-managed KMS keys, one per purpose, with rotation and a least-privilege key policy."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from modules.iam import policy_document

USE_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey")


@dataclass(frozen=True, kw_only=True)
class ServiceGrant:
    """Lets an AWS service principal use a key, always under a condition naming our account."""

    principal: str  # e.g. cloudtrail.amazonaws.com
    condition: dict  # IAM condition block; never empty
    actions: tuple[str, ...] = ("kms:GenerateDataKey*", "kms:Decrypt", "kms:DescribeKey")

    @staticmethod
    def cloudtrail(account_id: str) -> ServiceGrant:
        """CloudTrail may encrypt trails of this account only."""
        return ServiceGrant(
            principal="cloudtrail.amazonaws.com",
            condition={"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{account_id}:trail/*"}},
        )

    @staticmethod
    def logs(region: str, account_id: str) -> ServiceGrant:
        """CloudWatch Logs may encrypt log groups of this account and region only."""
        return ServiceGrant(
            principal=f"logs.{region}.amazonaws.com",
            condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:*"}},
            actions=("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
        )

    @staticmethod
    def for_account(principal: str, account_id: str) -> ServiceGrant:
        """Any other service, restricted to calls on behalf of this account."""
        return ServiceGrant(principal=principal, condition={"StringEquals": {"aws:SourceAccount": account_id}})


@dataclass(frozen=True, kw_only=True)
class KeyProps:
    """A KMS key for one purpose. Rotation is always on; there is no opt-out."""

    name: str  # alias becomes alias/<name>
    account_id: str  # the account root administers the key (prevents lock-out)
    description: str = "mlzone customer-managed key"  # shown in the KMS console
    user_role_arns: tuple[str, ...] = ()  # roles that may encrypt/decrypt with the key; default none
    services: tuple[ServiceGrant, ...] = ()  # AWS services that must use the key; default none
    deletion_window_in_days: int = 30  # 7-30; the longest window by default

    def __post_init__(self) -> None:
        if not 7 <= self.deletion_window_in_days <= 30:
            raise ValueError(f"deletion_window_in_days={self.deletion_window_in_days}; fix: use 7 to 30 days")


class Key(Construct):
    """`aws_kms_key` + alias. Outputs: `arn`, `key_id`, `alias_name`."""

    def __init__(self, scope: Construct, id: str, props: KeyProps) -> None:
        super().__init__(scope, id)
        statements = [
            {
                "Sid": "AccountRootAdministers",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{props.account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ]
        if props.user_role_arns:
            statements.append({
                "Sid": "RolesUseKey",
                "Effect": "Allow",
                "Principal": {"AWS": list(props.user_role_arns)},
                "Action": list(USE_ACTIONS),
                "Resource": "*",
            })
        for i, grant in enumerate(props.services):
            statements.append({
                "Sid": f"Service{i}",
                "Effect": "Allow",
                "Principal": {"Service": grant.principal},
                "Action": list(grant.actions),
                "Resource": "*",
                "Condition": grant.condition,
            })
        self.key = KmsKey(
            self, "key", description=props.description, enable_key_rotation=True,
            deletion_window_in_days=props.deletion_window_in_days,
            policy=policy_document(*statements),
        )
        self.alias = KmsAlias(self, "alias", name=f"alias/{props.name}", target_key_id=self.key.key_id)
        self.arn = self.key.arn
        self.key_id = self.key.key_id
        self.alias_name = self.alias.name
