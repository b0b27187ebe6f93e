from policies.checks._common import UNKNOWN, MlzCheck, get, policy_statements, principals


def denies_insecure_transport(statement: dict) -> bool:
    everyone = "*" in [who for whos in principals(statement).values() for who in whos]
    return (
        statement.get("Effect") == "Deny"
        and everyone
        and str(get(statement, "Condition.Bool.aws:SecureTransport")).lower() == "false"
    )


class S3TlsOnlyPolicy(MlzCheck):
    """Ensure S3 bucket policies deny every request not sent over TLS.

    Rationale: without an explicit Deny on `aws:SecureTransport = false`, data and credentials can
    travel in clear text to S3.

    Remediation: use modules/bucket.py, whose policy starts with the `DenyInsecureTransport`
    statement (Effect Deny, Principal *, Action s3:*, Condition Bool aws:SecureTransport false).
    """

    ID = "CKV_MLZ_5"
    RESOURCES = ("aws_s3_bucket_policy",)

    def problems(self, conf):
        found = policy_statements(conf, ["policy"])
        if found is UNKNOWN:
            return UNKNOWN
        if any(map(denies_insecure_transport, found)):
            return []
        return ["the bucket policy has no Deny for aws:SecureTransport=false on all principals"]


check = S3TlsOnlyPolicy()
