from policies.checks._common import WORLD, MlzCheck, as_list, get


def open_ranges(rule) -> list[str]:
    cidrs = as_list(get(rule, "cidr_blocks")) + as_list(get(rule, "ipv6_cidr_blocks"))
    cidrs += [get(rule, "cidr_ipv4"), get(rule, "cidr_ipv6")]
    return [c for c in cidrs if c in WORLD]


class SecurityGroupNoPublicIngress(MlzCheck):
    """Ensure no security group allows ingress from 0.0.0.0/0 or ::/0.

    Rationale: the landing zone has no public entry point; an internet-wide ingress rule exposes
    notebooks, Spark masters or endpoints the moment a route appears.

    Remediation: allow ingress from the VPC CIDR, a security group or a prefix list only.
    """

    ID = "CKV_MLZ_24"
    RESOURCES = (
        "aws_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_default_security_group",
    )

    def problems(self, conf):
        if self.entity_type == "aws_security_group_rule" and get(conf, "type") != "ingress":
            return []
        rules = [conf] if self.entity_type.endswith("_rule") else as_list(conf.get("ingress"))
        found = [cidr for rule in rules for cidr in open_ranges(rule)]
        return [f"ingress open to {', '.join(sorted(set(found)))}"] if found else []


check = SecurityGroupNoPublicIngress()
