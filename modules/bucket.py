"""An S3 bucket with every secure default on: SSE-KMS with our key, all public access blocked,
versioning, owner-enforced ACLs, a TLS-only policy, access logs, and a lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
from cdktf_cdktf_provider_aws.s3_bucket_object_lock_configuration import (
    S3BucketObjectLockConfigurationA,
    S3BucketObjectLockConfigurationRuleA,
    S3BucketObjectLockConfigurationRuleDefaultRetentionA,
)
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct

from modules.bucket_policy import deny_insecure_transport
from modules.iam import policy_document
from modules.limits import AUDIT_RETENTION_DAYS
from modules.naming import check_bucket_name


@dataclass(frozen=True, kw_only=True)
class ObjectLock:
    """WORM retention applied to every new object version."""

    mode: Literal["COMPLIANCE", "GOVERNANCE"] = "COMPLIANCE"
    """COMPLIANCE: nobody can delete early."""
    days: int = AUDIT_RETENTION_DAYS
    """Retention of each object version, in days (default seven years)."""


@dataclass(frozen=True, kw_only=True)
class BucketProps:
    """Secure defaults; the two opt-outs need a reason."""

    name: str
    """Globally unique, validated against S3 naming rules."""
    kms_key_arn: str | None
    """SSE-KMS key; None only with allow_sse_s3_reason."""
    access_log_bucket: str | None
    """Where S3 server access logs go; None only with allow_no_access_logs_reason."""
    object_lock: ObjectLock | None = None
    """WORM retention; None (the default): no lock, data stays deletable."""
    expire_after_days: int | None = None
    """Current versions expire after this many days; None (the default): they are kept."""
    noncurrent_expire_after_days: int = 30
    """Old versions are purged after this (GDPR erasure reaches them too)."""
    policy_statements: tuple[dict, ...] = ()
    """Extra grants (e.g. service principals), added to the TLS-only policy."""
    allow_sse_s3_reason: str | None = None
    """Opt-out: SSE-S3 instead of KMS (S3 access-log targets need it)."""
    allow_no_access_logs_reason: str | None = None
    """Opt-out: no access logging (the log bucket itself)."""

    def __post_init__(self) -> None:
        check_bucket_name(self.name)
        if (self.kms_key_arn is None) == (self.allow_sse_s3_reason is None):
            raise ValueError(f"bucket {self.name}: set exactly one of kms_key_arn or allow_sse_s3_reason")
        if (self.access_log_bucket is None) == (self.allow_no_access_logs_reason is None):
            raise ValueError(f"bucket {self.name}: set exactly one of access_log_bucket or allow_no_access_logs_reason")


class Bucket(Construct):
    """Outputs: `name`, `arn`, and `bucket` (the aws_s3_bucket) for dependencies."""

    def __init__(self, scope: Construct, id: str, props: BucketProps) -> None:
        super().__init__(scope, id)
        self.bucket = S3Bucket(
            self, "bucket", bucket=props.name, object_lock_enabled=props.object_lock is not None or None
        )
        self.name = self.bucket.bucket
        self.arn = self.bucket.arn
        bucket_id = self.bucket.id
        S3BucketPublicAccessBlock(
            self,
            "public-access-block",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        S3BucketOwnershipControls(
            self,
            "ownership",
            bucket=bucket_id,
            rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        versioning = S3BucketVersioningA(
            self,
            "versioning",
            bucket=bucket_id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        by_default = (
            S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                sse_algorithm="aws:kms", kms_master_key_id=props.kms_key_arn
            )
            if props.kms_key_arn
            else S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                sse_algorithm="AES256"
            )
        )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=bucket_id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=by_default,
                    bucket_key_enabled=props.kms_key_arn is not None or None,
                )
            ],
        )
        if props.object_lock:
            S3BucketObjectLockConfigurationA(
                self,
                "object-lock",
                bucket=bucket_id,
                depends_on=[versioning],
                rule=S3BucketObjectLockConfigurationRuleA(
                    default_retention=S3BucketObjectLockConfigurationRuleDefaultRetentionA(
                        mode=props.object_lock.mode, days=props.object_lock.days
                    )
                ),
            )
        if props.access_log_bucket:
            S3BucketLoggingA(
                self,
                "access-logs",
                bucket=bucket_id,
                target_bucket=props.access_log_bucket,
                target_prefix=f"{props.name}/",
            )
        S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=bucket_id,
            depends_on=[versioning],
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="retention",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=7)
                    ],
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=props.object_lock.days
                            if props.object_lock
                            else props.noncurrent_expire_after_days
                        )
                    ],
                    expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=props.expire_after_days)]
                    if props.expire_after_days
                    else None,
                )
            ],
        )
        arn = f"arn:aws:s3:::{props.name}"
        statements = [
            deny_insecure_transport(props.name),
            {
                "Sid": "DenyUnencryptedPuts",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"{arn}/*",
                "Condition": {
                    "StringNotEqualsIfExists": {
                        "s3:x-amz-server-side-encryption": "aws:kms" if props.kms_key_arn else "AES256"
                    }
                },
            },
            *props.policy_statements,
        ]
        self.policy = S3BucketPolicy(self, "policy", bucket=bucket_id, policy=policy_document(*statements))
