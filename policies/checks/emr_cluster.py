from policies.checks._common import MlzCheck, failed, get, is_set


class EmrClusterPrivateAndBounded(MlzCheck):
    """Ensure EMR clusters use a security configuration, a private subnet and an auto-termination policy.

    Rationale: the security configuration carries the encryption settings; a subnet keeps the
    master off the default (public) VPC; idle clusters cost money and widen the attack surface.

    Remediation: use modules/spark_cluster.py (security_configuration, ec2_attributes.subnet_id,
    auto_termination_policy.idle_timeout are always set). Public IPs are ruled out by CKV_MLZ_25.
    """

    ID = "CKV_MLZ_16"
    RESOURCES = ("aws_emr_cluster",)

    def problems(self, conf):
        return failed(
            {
                "no security configuration": is_set(get(conf, "security_configuration")),
                "no subnet (the cluster would land in the default VPC)": is_set(get(conf, "ec2_attributes.subnet_id"))
                or is_set(get(conf, "ec2_attributes.subnet_ids")),
                "no auto-termination policy": (get(conf, "auto_termination_policy.idle_timeout", 0) or 0) > 0,
            }
        )


check = EmrClusterPrivateAndBounded()
