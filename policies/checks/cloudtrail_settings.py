from policies.checks._common import MlzCheck, failed, get, is_set, is_true


class CloudTrailSettings(MlzCheck):
    """Ensure CloudTrail trails are multi-region, validate log files and encrypt with KMS.

    Rationale: a single-region trail misses activity elsewhere, unvalidated files can be forged, and
    unencrypted trails expose account activity to anyone reading the bucket.

    Remediation: use modules/audit_storage.py (is_multi_region_trail, enable_log_file_validation
    and kms_key_id are always set).
    """

    ID = "CKV_MLZ_8"
    RESOURCES = ("aws_cloudtrail",)

    def problems(self, conf):
        return failed(
            {
                "the trail is not multi-region": is_true(get(conf, "is_multi_region_trail")),
                "log file validation is off": is_true(get(conf, "enable_log_file_validation")),
                "the trail is not encrypted with a KMS key": is_set(get(conf, "kms_key_id")),
            }
        )


check = CloudTrailSettings()
