"""The prediction-capture bucket: encrypted and private like the audit store, but *not* locked,
so personal data in captured requests stays deletable (GDPR) and expires on a schedule.

Layout shared by every endpoint of every project: `s3://<bucket>/<project>/<endpoint>/...`."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.bucket import Bucket, BucketProps
from modules.settings import CaptureSettings, check_limits


@dataclass(frozen=True, kw_only=True)
class CaptureStorageProps(CaptureSettings):
    """Captures expire after `expiry_days` (`CaptureSettings`) and old versions after 1 day by default."""

    bucket_name: str
    """Globally unique bucket name."""
    kms_key_arn: str
    """SSE-KMS key of the captures."""
    access_log_bucket: str
    """S3 access logs go here."""
    erase_versions_after_days: int = 1
    """Deleted or overwritten versions are purged after this many days (erasure requests)."""

    def __post_init__(self) -> None:
        check_limits(f"capture bucket {self.bucket_name}", self)


class CaptureStorage(Construct):
    """Outputs: `name`, `arn` (the capture bucket)."""

    def __init__(self, scope: Construct, id: str, props: CaptureStorageProps) -> None:
        super().__init__(scope, id)
        bucket = Bucket(
            self,
            "bucket",
            BucketProps(
                name=props.bucket_name,
                kms_key_arn=props.kms_key_arn,
                access_log_bucket=props.access_log_bucket,
                expire_after_days=props.expiry_days,
                noncurrent_expire_after_days=props.erase_versions_after_days,
            ),
        )
        self.name = bucket.name
        self.arn = bucket.arn
