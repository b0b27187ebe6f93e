from policies.checks._common import MlzCheck, failed, get, is_true

MIN_DELETION_WINDOW = 7


class KmsRotationAndDeletionWindow(MlzCheck):
    """Ensure KMS keys rotate yearly and have a deletion window of at least 7 days.

    Rationale: rotation limits the data exposed by one key version; a deletion window leaves time to
    cancel an accidental or malicious key deletion, which would make all data under it unreadable.

    Remediation: use modules/keys.py (rotation is always on; the deletion window is 7-30, default 30).
    """

    ID = "CKV_MLZ_10"
    RESOURCES = ("aws_kms_key",)

    def problems(self, conf):
        symmetric = get(conf, "customer_master_key_spec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
        window = get(conf, "deletion_window_in_days", 30)
        return failed(
            {
                "key rotation is off": not symmetric or is_true(get(conf, "enable_key_rotation")),
                f"deletion window is {window} days, under {MIN_DELETION_WINDOW}": not isinstance(window, (int, float))
                or window >= MIN_DELETION_WINDOW,
            }
        )


check = KmsRotationAndDeletionWindow()
