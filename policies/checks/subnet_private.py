from policies.checks._common import MlzCheck, failed, get, is_true


class SubnetNoPublicIp(MlzCheck):
    """Ensure subnets do not give instances public IP addresses.

    Rationale: mlzone networks are private (no internet gateway); a subnet mapping public IPs would
    make an EMR master or notebook reachable as soon as a route is added.

    Remediation: keep map_public_ip_on_launch false (modules/network.py) and leave
    assign_ipv6_address_on_creation off.
    """

    ID = "CKV_MLZ_25"
    RESOURCES = ("aws_subnet",)

    def problems(self, conf):
        return failed(
            {
                "map_public_ip_on_launch is true": not is_true(get(conf, "map_public_ip_on_launch")),
                "assign_ipv6_address_on_creation is true": not is_true(get(conf, "assign_ipv6_address_on_creation")),
            }
        )


check = SubnetNoPublicIp()
