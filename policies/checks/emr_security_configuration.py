from policies.checks._common import UNKNOWN, MlzCheck, document, failed, get, is_true

S3_MODES = ("SSE-KMS", "CSE-KMS")


class EmrSecurityConfigurationEncrypts(MlzCheck):
    """Ensure EMR security configurations encrypt S3 data and local disks with KMS, and traffic in transit.

    Rationale: Spark shuffles, spills and writes project data; without at-rest and in-transit
    encryption it lands in clear text on instance disks, in S3 and on the wire.

    Remediation: use modules/spark_cluster.py (its security configuration enables at-rest
    encryption with SSE-KMS and a local-disk KMS key, and in-transit TLS).
    """

    ID = "CKV_MLZ_15"
    RESOURCES = ("aws_emr_security_configuration",)

    def problems(self, conf):
        doc = document(get(conf, "configuration"))
        if doc is None:
            return UNKNOWN
        enc = doc.get("EncryptionConfiguration", {})
        at_rest = enc.get("AtRestEncryptionConfiguration", {})
        return failed(
            {
                "at-rest encryption is off": is_true(enc.get("EnableAtRestEncryption")),
                f"S3 data is not encrypted with {' or '.join(S3_MODES)}": get(
                    at_rest, "S3EncryptionConfiguration.EncryptionMode"
                )
                in S3_MODES,
                "local disks are not encrypted": get(
                    at_rest, "LocalDiskEncryptionConfiguration.EncryptionKeyProviderType"
                )
                is not None,
                "in-transit encryption is off": is_true(enc.get("EnableInTransitEncryption")),
            }
        )


check = EmrSecurityConfigurationEncrypts()
