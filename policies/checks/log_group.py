from policies.checks._common import MlzCheck, failed, get, is_set


class LogGroupEncryptedWithRetention(MlzCheck):
    """Ensure CloudWatch log groups are KMS-encrypted and expire.

    Rationale: logs carry request data and identifiers; without our key they are readable by anyone
    with logs:Get*, and without a retention they are kept (and billed) forever.

    Remediation: set kms_key_id to the platform logs key and retention_in_days (e.g. 365).
    """

    ID = "CKV_MLZ_19"
    RESOURCES = ("aws_cloudwatch_log_group",)

    def problems(self, conf):
        return failed(
            {
                "the log group has no KMS key": is_set(get(conf, "kms_key_id")),
                "the log group has no retention": (get(conf, "retention_in_days", 0) or 0) > 0,
            }
        )


check = LogGroupEncryptedWithRetention()
