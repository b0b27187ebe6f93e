from policies.checks._common import MlzCheck, failed, get, is_true


class EmrBlockPublicAccess(MlzCheck):
    """Ensure EMR block public access is on, with no permitted public port ranges.

    Rationale: the account-level setting stops any cluster from starting with a security group
    open to the internet, including on the SSH port EMR allows by default.

    Remediation: set block_public_security_group_rules = true and remove every
    permitted_public_security_group_rule_range.
    """

    ID = "CKV_MLZ_17"
    RESOURCES = ("aws_emr_block_public_access_configuration",)

    def problems(self, conf):
        return failed(
            {
                "block_public_security_group_rules is not true": is_true(
                    get(conf, "block_public_security_group_rules")
                ),
                "public port ranges are permitted": not get(conf, "permitted_public_security_group_rule_range"),
            }
        )


check = EmrBlockPublicAccess()
