from modules.limits import audit_min_retention_days as minimum_days
from policies.checks._common import MlzCheck, failed, get


class S3ObjectLockCompliance(MlzCheck):
    """Ensure Object Lock uses COMPLIANCE mode with at least the platform minimum retention.

    Rationale: GOVERNANCE mode lets privileged users delete audit logs, and a short retention lets
    an attacker wait until the evidence expires.

    Remediation: keep `audit.object_lock_mode: COMPLIANCE` and `audit.retention_days` at or above
    the platform minimum (2555 days; `MLZONE_AUDIT_MIN_RETENTION_DAYS`) in platform.yaml.
    """

    ID = "CKV_MLZ_6"
    RESOURCES = ("aws_s3_bucket_object_lock_configuration",)

    def problems(self, conf):
        retention = get(conf, "rule.default_retention", {})
        mode = get(retention, "mode")
        days = int(get(retention, "days", 0) or 0) + 365 * int(get(retention, "years", 0) or 0)
        return failed({
            f"object lock mode is {mode!r}, not COMPLIANCE": mode == "COMPLIANCE",
            f"object lock retention is {days} days, under the platform minimum {minimum_days()}": days >= minimum_days(),
        })


check = S3ObjectLockCompliance()
