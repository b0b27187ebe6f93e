from policies.checks._common import MlzCheck, get, is_set


class S3CustomerManagedKey(MlzCheck):
    """Ensure S3 default encryption uses SSE-KMS with a customer-managed key.

    Rationale: SSE-S3 (AES256) and the AWS-managed `aws/s3` key cannot be restricted by a key policy,
    rotated on our terms or revoked per project; a customer key can (CKV_MLZ_1 makes every bucket
    have this configuration).

    Remediation: set sse_algorithm aws:kms and kms_master_key_id to a key from modules/keys.py
    (modules/bucket.py `kms_key_arn`).
    """

    ID = "CKV_MLZ_26"
    RESOURCES = ("aws_s3_bucket_server_side_encryption_configuration",)
    CATEGORY = MlzCheck.CATEGORY.ENCRYPTION

    def problems(self, conf):
        by_default = get(conf, "rule.apply_server_side_encryption_by_default", {})
        key = get(by_default, "kms_master_key_id")
        if get(by_default, "sse_algorithm") not in ("aws:kms", "aws:kms:dsse"):
            return [f"default encryption is {get(by_default, 'sse_algorithm')}, not SSE-KMS"]
        if not is_set(key) or "alias/aws/" in str(key):
            return ["SSE-KMS uses the AWS-managed aws/s3 key, not a customer key"]
        return []


check = S3CustomerManagedKey()
