"""moto gaps of S3: bucket-policy evaluation on object requests, PutBucketLogging's policy check."""

from __future__ import annotations

import json
from typing import Any

from mlzone.emulator.registry import fills

BUCKET = "moto.s3.models:FakeBucket"


@fills("s3", "PutBucketLogging", on=BUCKET, attr="_log_permissions_enabled_policy", static=True)
def s3_logging_target_permissions(target_bucket: Any, target_prefix: str | None) -> bool:
    """moto gap: S3 `PutBucketLogging` validates the target bucket's policy at call time. It answers 500
    when any statement has `"Principal": "*"` (our deny-insecure-transport statements) and 400 when the
    target's policy is not in place yet, an order Terraform does not guarantee (the logging and policy
    resources only share the bucket). Permissions are enforced nowhere else in moto, so accept."""
    return True


@fills("s3", "GetObject", "PutObject", "DeleteObject", on=BUCKET, attr="get_permission")
def s3_bucket_policy_without_conditions(self: Any, action: str, resource: str) -> Any:
    """moto gap: S3 checks object requests against the bucket policy with every `Condition` ignored, so a
    conditional Deny (TLS only: `aws:SecureTransport: false`) refuses every request with 403, e.g. the
    Terraform S3 backend on the state bucket `mlzone bootstrap` made. Evaluate unconditional statements only."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if self.policy is None:
        return PermissionResult.NEUTRAL
    doc = json.loads(self.policy)
    statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
    doc["Statement"] = [s for s in statements if "Condition" not in s]
    return IAMPolicy(json.dumps(doc)).is_action_permitted(action, resource)
