"""A private VPC: private subnets only, no internet or NAT gateway, VPC endpoints for the AWS
services ML workloads need, a locked default security group, and flow logs to encrypted logs.
Workloads get no group here: every project has its own (modules/project_network.py)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.security_group_rule import SecurityGroupRule
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from constructs import Construct

from modules.grants import allow
from modules.service_role import ServiceRole, ServiceRoleProps
from modules.settings import NetworkSettings, check_limits

# Interface endpoints SageMaker, EMR, MLflow and the CLI tools need without internet access.
INTERFACE_SERVICES = (
    "sagemaker.api",
    "sagemaker.runtime",
    "sts",
    "logs",
    "kms",
    "ecr.api",
    "ecr.dkr",
    "elasticmapreduce",
    "emr-serverless",
    "glue",
    "athena",
)


@dataclass(frozen=True, kw_only=True)
class NetworkProps(NetworkSettings):
    """No route to the internet exists; traffic to AWS APIs stays on VPC endpoints (range and AZs:
    `NetworkSettings`)."""

    name: str
    """Prefix of every network resource."""
    region: str
    """Subnets go to <region>a, <region>b, ..."""
    account_id: str
    """The flow-log role trusts VPC Flow Logs for this account's flow logs only."""
    logs_key_arn: str
    """KMS key of the flow-log group."""
    flow_log_retention_days: int = 365
    """Flow logs are kept one year."""
    interface_services: tuple[str, ...] = INTERFACE_SERVICES
    """Interface endpoints to create."""

    def __post_init__(self) -> None:
        check_limits(f"network {self.name}", self)


class Network(Construct):
    """Outputs: `vpc_id`, `subnet_ids`, `endpoint_security_group_id`, `s3_prefix_list_id`.

    No workload security group: each project stack creates its own (modules/project_network.py).
    """

    def __init__(self, scope: Construct, id: str, props: NetworkProps) -> None:
        super().__init__(scope, id)
        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=props.cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": props.name},
        )
        DefaultSecurityGroup(self, "default-sg", vpc_id=self.vpc.id, ingress=[], egress=[])
        blocks = list(ipaddress.IPv4Network(props.cidr).subnets(prefixlen_diff=2))
        routes = RouteTable(self, "private-routes", vpc_id=self.vpc.id, tags={"Name": f"{props.name}-private"})
        self.subnets = []
        for i in range(props.availability_zones):
            az = f"{props.region}{'abc'[i]}"
            subnet = Subnet(
                self,
                f"private-{i}",
                vpc_id=self.vpc.id,
                cidr_block=str(blocks[i]),
                availability_zone=az,
                map_public_ip_on_launch=False,
                tags={"Name": f"{props.name}-private-{az}"},
            )
            RouteTableAssociation(self, f"private-{i}-routes", subnet_id=subnet.id, route_table_id=routes.id)
            self.subnets.append(subnet)
        self.subnet_ids = [s.id for s in self.subnets]

        self.endpoint_sg = SecurityGroup(
            self,
            "endpoints-sg",
            name=f"{props.name}-endpoints",
            vpc_id=self.vpc.id,
            description="HTTPS from inside the VPC to the AWS service endpoints",
        )
        SecurityGroupRule(
            self,
            "endpoints-https-in",
            type="ingress",
            security_group_id=self.endpoint_sg.id,
            protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_blocks=[props.cidr],
            description="HTTPS from the VPC",
        )
        s3 = VpcEndpoint(
            self,
            "s3-endpoint",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{props.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[routes.id],
        )
        for svc in props.interface_services:
            VpcEndpoint(
                self,
                f"{svc.replace('.', '-')}-endpoint",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{props.region}.{svc}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.subnet_ids,
                security_group_ids=[self.endpoint_sg.id],
            )

        log_group = CloudwatchLogGroup(
            self,
            "flow-logs",
            name=f"/mlzone/{props.name}/vpc-flow-logs",
            kms_key_id=props.logs_key_arn,
            retention_in_days=props.flow_log_retention_days,
        )
        # VPC Flow Logs describe and write the streams of this one group only (`<group>` and `<group>:*`).
        role = ServiceRole(
            self,
            "flow-logs-",
            ServiceRoleProps(
                name=f"{props.name}-vpc-flow-logs",
                service="vpc-flow-logs.amazonaws.com",
                account_id=props.account_id,
                source_arn=f"arn:aws:ec2:{props.region}:{props.account_id}:vpc-flow-log/*",
                policy_name="write-flow-logs",
                statements=(
                    allow(
                        None,
                        ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
                        (log_group.arn, f"{log_group.arn}:*"),
                    ),
                ),
            ),
        )
        FlowLog(
            self,
            "flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
        )

        self.vpc_id = self.vpc.id
        self.s3_prefix_list_id = s3.prefix_list_id
        self.endpoint_security_group_id = self.endpoint_sg.id
