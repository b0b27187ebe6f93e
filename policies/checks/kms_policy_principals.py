from policies.checks._common import MlzCheck, allows, principals, statement_problems


class KmsPolicyNoOpenPrincipal(MlzCheck):
    """Ensure KMS key policies grant nothing to the `*` principal without a condition.

    Rationale: an unconditioned `*` principal lets any AWS account use (or administer) the key.

    Remediation: grant named roles or service principals (modules/keys.py `user_arn_patterns`,
    `ServiceGrant`), or add a Condition such as aws:PrincipalAccount.
    """

    ID = "CKV_MLZ_11"
    RESOURCES = ("aws_kms_key",)

    def problems(self, conf):
        def judge(statement):
            open_ = any("*" in who for who in principals(statement).values())
            if allows(statement) and open_ and not statement.get("Condition"):
                return f"statement {statement.get('Sid', '(no Sid)')} allows principal * without a condition"
            return None

        return statement_problems(conf, ["policy"], judge)


check = KmsPolicyNoOpenPrincipal()
