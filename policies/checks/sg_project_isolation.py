import re

from policies.checks._common import MlzCheck, as_list, get, is_true

# A security group created in the same configuration: `${aws_security_group.x.id}` in cdk.tf.json,
# the bare reference `aws_security_group.x.id` in a plan (its id is unknown until apply).
OWN_GROUP = re.compile(r"^(\$\{)?aws_security_group\.[A-Za-z0-9_-]+\.id\}?$")
ALL_TRAFFIC = ("-1", "all")
# Where each workload type names its security groups.
WORKLOAD_GROUPS = {
    "aws_sagemaker_notebook_instance": ("security_groups",),
    "aws_sagemaker_model": ("vpc_config.security_group_ids",),
    "aws_emrserverless_application": ("network_configuration.security_group_ids",),
    "aws_emr_cluster": tuple(
        f"ec2_attributes.{f}"
        for f in (
            "emr_managed_master_security_group",
            "emr_managed_slave_security_group",
            "service_access_security_group",
            "additional_master_security_groups",
            "additional_slave_security_groups",
        )
    ),
}
RULES = ("aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule")


def foreign(groups: list) -> list[str]:
    """The group ids that are not a security group created by this configuration."""
    ids = [g.strip() for value in groups for g in str(value).split(",") if g.strip()]
    return [g for g in ids if not OWN_GROUP.match(g)]


class SecurityGroupProjectIsolation(MlzCheck):
    """Ensure workloads use only security groups their own stack creates, and no group admits all traffic from itself.

    Rationale: a security group shared by several projects (or a platform group attached to project
    workloads) lets one project's notebook reach another project's Spark cluster, whose Livy,
    Jupyter Enterprise Gateway and YARN ports take code without authentication and run it as that
    project's role. An all-traffic ingress from the group itself turns every member into a peer of
    every other member; an ingress from a group the stack does not create opens it to workloads of
    other stacks.

    Which groups a stack creates is judged on cdk.tf.json (gate 1, before every plan), where each
    of them is a `${aws_security_group...}` reference; in a plan the ids of existing groups are
    literals, so gate 2 judges only the all-traffic self-referencing ingress.

    Remediation: attach the project's own groups (modules/project_network.py, built by each
    project stack); open only the ports a workload needs, from the project's own groups.
    """

    ID = "CKV_MLZ_40"
    RESOURCES = (*WORKLOAD_GROUPS, *RULES)

    def problems(self, conf):
        if "__change_actions__" in conf:  # a plan: ids of existing groups are literals, provenance is judged on synth
            return [p for rule in self._ingress(conf) for p in self._judge(rule, provenance=False)]
        if self.entity_type in WORKLOAD_GROUPS:
            groups = [g for path in WORKLOAD_GROUPS[self.entity_type] for g in as_list(get(conf, path))]
            if not groups:
                return ["the workload names no security group of its own stack"]
            return [f"security group {g} is not created by this stack" for g in foreign(groups)]
        return [p for rule in self._ingress(conf) for p in self._judge(rule)]

    def _ingress(self, conf) -> list[dict]:
        """Ingress rules as (protocol, self, source groups) dicts, from any of the three resource types."""
        if self.entity_type == "aws_security_group":
            return [
                {
                    "protocol": get(r, "protocol"),
                    "self": is_true(get(r, "self")),
                    "sources": as_list(get(r, "security_groups")),
                }
                for r in as_list(conf.get("ingress"))
            ]
        if self.entity_type == "aws_security_group_rule":
            if get(conf, "type") != "ingress":
                return []
            return [
                {
                    "protocol": get(conf, "protocol"),
                    "self": is_true(get(conf, "self")),
                    "sources": as_list(get(conf, "source_security_group_id")),
                }
            ]
        source = get(conf, "referenced_security_group_id")
        same = source is not None and source == get(conf, "security_group_id")
        return [{"protocol": get(conf, "ip_protocol"), "self": same, "sources": [] if same else as_list(source)}]

    @staticmethod
    def _judge(rule: dict, provenance: bool = True) -> list[str]:
        found = [
            f"ingress from security group {g}, which this stack does not create"
            for g in (foreign(rule["sources"]) if provenance else [])
        ]
        if rule["self"] and str(rule["protocol"]).lower() in ALL_TRAFFIC:
            found.append("ingress of all traffic from the group itself")
        return found


check = SecurityGroupProjectIsolation()
