from modules.limits import audit_min_retention_days as minimum_days
from policies.checks._common import MlzCheck, failed, get


class S3ObjectLockRetention(MlzCheck):
    """Ensure Object Lock keeps locked objects at least the platform minimum retention.

    Rationale: a short retention lets an attacker wait until the evidence expires. A separate id
    from the mode (CKV_MLZ_6), so waiving GOVERNANCE mode cannot hide a short retention.

    Remediation: keep `audit.retention_days` at or above the platform minimum (2555 days;
    `MLZONE_AUDIT_MIN_RETENTION_DAYS`) in platform.yaml.
    """

    ID = "CKV_MLZ_41"
    RESOURCES = ("aws_s3_bucket_object_lock_configuration",)

    def problems(self, conf):
        retention = get(conf, "rule.default_retention", {})
        days = int(get(retention, "days", 0) or 0) + 365 * int(get(retention, "years", 0) or 0)
        return failed(
            {
                f"object lock retention is {days} days, under the platform minimum {minimum_days()}": days
                >= minimum_days(),
            }
        )


check = S3ObjectLockRetention()
