"""Customer-managed KMS keys, one per purpose, with rotation and a key policy naming who may use each.

Every key policy has the same shape (see docs/keys.md):
- the account root *administers* the key (so it can never be locked out) but gets no data use:
  encrypt, decrypt and grants are not administration;
- `KeyUsers` name the principals that may use the key, by ARN pattern (`aws:PrincipalArn`); the
  deployer may only let AWS services hold a grant for a resource it creates (`kms:ViaService`, our
  account, `kms:GrantIsForAWSResource`), and workload roles that are not users may not even that;
- `ServiceGrant`s let AWS service principals use it, always under conditions naming our resources;
- a protected key (the audit key) denies the crypto-shred actions to everyone but one break-glass
  principal.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from modules.iam import policy_document

USE_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey")
# Grants let AWS services (EBS, EMR, ECR, SageMaker) use the key for a resource they manage.
GRANT_ACTIONS = ("kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant")
# Administration without data use: no Encrypt/Decrypt/GenerateDataKey/ReEncrypt, no CreateGrant.
ADMIN_ACTIONS = (
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:ListGrants",
    "kms:ListAliases",
    "kms:PutKeyPolicy",
    "kms:UpdateKeyDescription",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:RotateKeyOnDemand",
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:RevokeGrant",
    "kms:RetireGrant",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
)
# What destroys or silently disables a key, or lets someone rewrite its policy (docs/keys.md says why these).
SHRED_ACTIONS = (
    "kms:ScheduleKeyDeletion",
    "kms:DisableKey",
    "kms:PutKeyPolicy",
    "kms:DisableKeyRotation",
    "kms:DeleteImportedKeyMaterial",
)
# Metadata reads whose requests carry no encryption context, so a context condition never matches them.
NO_CONTEXT_ACTIONS = (
    "kms:DescribeKey",
    "kms:Describe*",
    "kms:GetPublicKey",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
)
# The only actions a service may get without a condition: key metadata, no data, no grants.
UNCONDITIONED_OK = ("kms:DescribeKey", "kms:GetPublicKey")
# Services that create encrypted resources for the deployer (kms:ViaService), per region.
VIA_SERVICES = ("s3", "sagemaker", "ecr", "elasticmapreduce", "emr-serverless", "logs", "athena", "ec2", "scheduler")


def via_services(region: str) -> list[str]:
    return [f"{service}.{region}.amazonaws.com" for service in VIA_SERVICES]


@dataclass(frozen=True, kw_only=True)
class ServiceGrant:
    """Lets an AWS service principal use a key: `actions` under `condition` (never empty), plus
    `unconditioned_actions` whose requests carry nothing the condition could match (DescribeKey)."""

    principal: str
    """E.g. cloudtrail.amazonaws.com."""
    condition: dict
    """IAM condition block on `actions`; never empty."""
    actions: tuple[str, ...] = ("kms:GenerateDataKey*", "kms:Decrypt")
    unconditioned_actions: tuple[str, ...] = ()
    """UNCONDITIONED_OK only, e.g. kms:DescribeKey."""

    def __post_init__(self) -> None:
        if not self.condition:
            raise ValueError(
                f"service grant {self.principal}: the condition is empty; fix: name our account or resource"
            )
        context_keys = [k for block in self.condition.values() for k in block if k.startswith("kms:EncryptionContext")]
        misplaced = sorted(set(self.actions) & set(NO_CONTEXT_ACTIONS)) if context_keys else []
        if misplaced:
            raise ValueError(
                f"service grant {self.principal}: {misplaced} never carry an encryption context, so the condition on "
                f"{context_keys} denies them; fix: move them to unconditioned_actions "
                f"(allowed: {list(UNCONDITIONED_OK)}) or drop them"
            )
        extra = sorted(set(self.unconditioned_actions) - set(UNCONDITIONED_OK))
        if extra:
            raise ValueError(
                f"service grant {self.principal}: {extra} may not be unconditioned; fix: keep them in actions"
            )

    def statements(self, sid: str) -> list[dict]:
        principal = {"Service": self.principal}
        out = [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": principal,
                "Action": list(self.actions),
                "Resource": "*",
                "Condition": self.condition,
            }
        ]
        if self.unconditioned_actions:
            out.append(
                {
                    "Sid": f"{sid}Describe",
                    "Effect": "Allow",
                    "Principal": principal,
                    "Action": list(self.unconditioned_actions),
                    "Resource": "*",
                }
            )
        return out

    @staticmethod
    def cloudtrail(account_id: str, trail_arn: str) -> ServiceGrant:
        """CloudTrail may encrypt for our trail only; it describes the key unconditioned (AWS CloudTrail docs)."""
        return ServiceGrant(
            principal="cloudtrail.amazonaws.com",
            condition={
                "StringEquals": {"aws:SourceArn": trail_arn},
                "StringLike": {
                    "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{account_id}:trail/*"
                },
            },
            actions=("kms:GenerateDataKey*",),
            unconditioned_actions=("kms:DescribeKey",),
        )

    @staticmethod
    def logs(region: str, account_id: str) -> ServiceGrant:
        """CloudWatch Logs may encrypt log groups of this account and region only."""
        return ServiceGrant(
            principal=f"logs.{region}.amazonaws.com",
            condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:*"}},
            actions=("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*"),
            unconditioned_actions=("kms:DescribeKey",),
        )


def cloudtrail_log_readers(account_id: str) -> dict:
    """Principals of our account (with an IAM grant) may decrypt trail logs, nothing else (AWS CloudTrail docs)."""
    return {
        "Sid": "AccountReadsTrailLogs",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": ["kms:Decrypt", "kms:ReEncryptFrom"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": account_id},
            "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{account_id}:trail/*"},
        },
    }


@dataclass(frozen=True, kw_only=True)
class KeyProps:
    """A KMS key for one purpose. Rotation is always on; there is no opt-out."""

    name: str
    """Alias becomes alias/<name>."""
    account_id: str
    """The account root administers the key (prevents lock-out), without data use."""
    region: str
    """Region of the services that may act for the users (kms:ViaService)."""
    description: str = "mlzone customer-managed key"
    """Shown in the KMS console."""
    user_arn_patterns: tuple[str, ...] = ()
    """Principals (ARN patterns, our account) that may use the key; default none."""
    workload_arn_patterns: tuple[str, ...] = ()
    """Roles running workloads: no grants unless they are users."""
    services: tuple[ServiceGrant, ...] = ()
    """AWS services that must use the key; default none."""
    statements: tuple[dict, ...] = ()
    """Further conditioned grants (e.g. cloudtrail_log_readers)."""
    break_glass_arn: str | None = None
    """Set: deny SHRED_ACTIONS to everyone else (the audit key)."""
    deletion_window_in_days: int = 30
    """7-30; the longest window by default."""

    def __post_init__(self) -> None:
        if not 7 <= self.deletion_window_in_days <= 30:
            raise ValueError(f"deletion_window_in_days={self.deletion_window_in_days}; fix: use 7 to 30 days")
        prefix = f"arn:aws:iam::{self.account_id}:"
        foreign = [p for p in self.user_arn_patterns if not p.startswith(prefix)]
        if foreign:
            raise ValueError(
                f"key {self.name}: {foreign} are not principals of account {self.account_id}; "
                "fix: name roles of this account"
            )

    def policy_statements(self) -> list[dict]:
        root = {"AWS": f"arn:aws:iam::{self.account_id}:root"}
        statements = [
            {
                "Sid": "AccountRootAdministers",
                "Effect": "Allow",
                "Principal": root,
                "Action": list(ADMIN_ACTIONS),
                "Resource": "*",
            }
        ]
        if self.user_arn_patterns:
            users = {"ArnLike": {"aws:PrincipalArn": list(self.user_arn_patterns)}}
            for_resource = {"Bool": {"kms:GrantIsForAWSResource": "true"}}
            statements += [
                {
                    "Sid": "KeyUsers",
                    "Effect": "Allow",
                    "Principal": root,
                    "Action": list(USE_ACTIONS),
                    "Resource": "*",
                    "Condition": users,
                },
                {
                    "Sid": "KeyUsersGrantToServices",
                    "Effect": "Allow",
                    "Principal": root,
                    "Action": list(GRANT_ACTIONS),
                    "Resource": "*",
                    "Condition": {**users, **for_resource},
                },
                # The deployer (Terraform) creates encrypted resources: services then hold a grant for them.
                {
                    "Sid": "DeployerGrantsThroughServices",
                    "Effect": "Allow",
                    "Principal": root,
                    "Action": "kms:CreateGrant",
                    "Resource": "*",
                    "Condition": {
                        **for_resource,
                        "StringEquals": {
                            "kms:CallerAccount": self.account_id,
                            "kms:ViaService": via_services(self.region),
                        },
                        **(
                            {"ArnNotLike": {"aws:PrincipalArn": list(self.workload_arn_patterns)}}
                            if self.workload_arn_patterns
                            else {}
                        ),
                    },
                },
            ]
        for i, grant in enumerate(self.services):
            statements += grant.statements(f"Service{i}")
        statements += self.statements
        if self.break_glass_arn:
            statements.append(
                {
                    "Sid": "OnlyBreakGlassShreds",
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": list(SHRED_ACTIONS),
                    "Resource": "*",
                    "Condition": {"ArnNotEquals": {"aws:PrincipalArn": self.break_glass_arn}},
                }
            )
        return statements


class Key(Construct):
    """`aws_kms_key` + alias. Outputs: `arn`, `key_id`, `alias_name`."""

    def __init__(self, scope: Construct, id: str, props: KeyProps) -> None:
        super().__init__(scope, id)
        self.key = KmsKey(
            self,
            "key",
            description=props.description,
            enable_key_rotation=True,
            deletion_window_in_days=props.deletion_window_in_days,
            policy=policy_document(*props.policy_statements()),
            # The deployer is not the break-glass principal, so it cannot PutKeyPolicy afterwards by design;
            # KMS's lock-out check would refuse CreateKey otherwise (docs/keys.md).
            bypass_policy_lockout_safety_check=True if props.break_glass_arn else None,
        )
        self.alias = KmsAlias(self, "alias", name=f"alias/{props.name}", target_key_id=self.key.key_id)
        self.arn = self.key.arn
        self.key_id = self.key.key_id
        self.alias_name = self.alias.name
