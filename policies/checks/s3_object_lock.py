from policies.checks._common import MlzCheck, failed, get


class S3ObjectLockCompliance(MlzCheck):
    """Ensure Object Lock uses COMPLIANCE mode.

    Rationale: GOVERNANCE mode lets privileged users (s3:BypassGovernanceRetention) delete or
    shorten the retention of audit logs. The retention itself is CKV_MLZ_41.

    Remediation: keep `audit.object_lock_mode: COMPLIANCE` in platform.yaml. GOVERNANCE needs
    `allow_governance_mode: {reason: ...}`, which AuditStorage records as a waiver of this check
    on the audit bucket (modules/waivers.py).
    """

    ID = "CKV_MLZ_6"
    RESOURCES = ("aws_s3_bucket_object_lock_configuration",)

    def problems(self, conf):
        mode = get(conf, "rule.default_retention.mode")
        return failed({f"object lock mode is {mode!r}, not COMPLIANCE": mode == "COMPLIANCE"})


check = S3ObjectLockCompliance()
