from policies.checks._common import MlzCheck, failed, get, is_set, is_true


class EcrRepositoryHardened(MlzCheck):
    """Ensure ECR repositories have immutable tags, scan on push and KMS encryption.

    Rationale: a mutable tag lets anyone with push rights swap the image behind a deployed endpoint;
    scanning catches known CVEs; KMS keeps model images under our key.

    Remediation: use modules/model_registry.py (IMMUTABLE tags, scan_on_push, encryption_type KMS
    with the platform key).
    """

    ID = "CKV_MLZ_18"
    RESOURCES = ("aws_ecr_repository",)

    def problems(self, conf):
        encryption = get(conf, "encryption_configuration", {})
        return failed(
            {
                "image tags are mutable": get(conf, "image_tag_mutability", "MUTABLE") == "IMMUTABLE",
                "scan on push is off": is_true(get(conf, "image_scanning_configuration.scan_on_push")),
                "the repository is not encrypted with a customer KMS key": get(encryption, "encryption_type") == "KMS"
                and is_set(get(encryption, "kms_key")),
            }
        )


check = EcrRepositoryHardened()
