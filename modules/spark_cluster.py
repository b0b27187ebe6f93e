"""A self-service EMR cluster for exploration: Spark, with Livy and Jupyter Enterprise Gateway so
the project's notebooks can attach to it.

Secure defaults:
- EMR 7.x only, in a private subnet of the platform VPC, with cluster-owned EMR-managed security
  groups (primary, core, service access: EMR adds only the rules it needs between this cluster's
  nodes) plus the project's `spark` group on the primary node, so the project's own notebooks reach
  Livy, Jupyter Enterprise Gateway and YARN (which run without authentication) and no other
  project's workload reaches anything (modules/project_network.py).
- A security configuration with at-rest encryption (EMRFS S3 SSE-KMS and local disks/EBS with the
  project key) and in-transit TLS, and IMDSv2 on every node.
- Auto-termination after the spec's idle timeout (default 60 min) and managed scaling limits.
- A service role (AWS-managed `AmazonEMRServicePolicy_v2`, which only acts on resources tagged
  `for-use-with-amazon-emr-managed-policies=true`, plus passing *this* cluster's instance role) and
  an instance-profile role bounded by the project boundary: the project's data prefix and key, the
  project's EMR log prefix, and EMR's own package buckets.
- Logs to `s3://<emr-log-bucket>/<project>/<cluster>/` (SSE-KMS, platform bucket).
- EMR block public access is a per-region account setting: the platform stack turns it on once
  (`aws_emr_block_public_access_configuration`), not each cluster.

TLS certificate provider (in-transit encryption needs one): **PEM files from S3**. The default
location is `s3://<data-bucket>/<project>/emr/tls/certificates.zip`, i.e. inside the project
prefix, encrypted with the project key and readable only by the project's roles. The zip holds
`privateKey.pem`, `certificateChain.pem` and `trustedCertificates.pem` for `*.<region>.compute.internal`
(see docs/modules.md for the openssl one-liner). We chose PEM over the `Custom` provider (a Java
class the team would have to build and host) and over ACM Private CA (a fixed monthly fee per CA
that a per-project sandbox does not justify). The cluster does not start until the zip exists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.emr_cluster import EmrCluster, EmrClusterCoreInstanceGroupEbsConfig
from cdktf_cdktf_provider_aws.emr_managed_scaling_policy import (
    EmrManagedScalingPolicy,
    EmrManagedScalingPolicyComputeLimits,
)
from cdktf_cdktf_provider_aws.emr_security_configuration import EmrSecurityConfiguration
from cdktf_cdktf_provider_aws.iam_instance_profile import IamInstanceProfile
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from constructs import Construct

from modules.naming import SAGEMAKER_NAME_MAX
from modules.project_role import ProjectRole, ProjectRoleProps, ProjectScope
from modules.settings import SparkClusterSettings, check_emr_release, check_limits

APPLICATIONS = ("Spark", "Livy", "JupyterEnterpriseGateway")
EMR_SERVICE_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2"
EMR_MANAGED_TAG = {"for-use-with-amazon-emr-managed-policies": "true"}
SERVICE_ROLE_REASON = "the EMR service role runs no project code; AmazonEMRServicePolicy_v2 is tag-scoped"


@dataclass(frozen=True, kw_only=True)
class SparkClusterProps(SparkClusterSettings):
    """One exploration cluster; small, encrypted, and it switches itself off."""

    project: ProjectScope
    """The project (key, prefixes, network, boundary)."""
    name: str
    """Cluster name; the cluster is <project>--<name>."""
    ebs_size_gb: int = 64
    """Encrypted EBS per core node."""
    tls_certificates_s3_uri: str | None = None
    """PEM zip; None: s3://<data>/<project>/emr/tls/certificates.zip."""

    def __post_init__(self) -> None:
        try:
            check_emr_release(self.release_label)
        except ValueError as exc:
            raise ValueError(f"spark cluster {self.name}: release_label {exc}") from None
        check_limits(f"spark cluster {self.name}", self)
        if self.max_nodes is not None and not self.core_nodes <= self.max_nodes:
            raise ValueError(
                f"spark cluster {self.name}: max_nodes={self.max_nodes} with core_nodes={self.core_nodes}; "
                "fix: use max_nodes >= core_nodes"
            )
        uri = self.tls_certificates_s3_uri
        if uri is not None and not (
            uri.startswith(f"s3://{self.project.data_bucket}/{self.project.name}/") and uri.endswith(".zip")
        ):
            raise ValueError(
                f"spark cluster {self.name}: tls_certificates_s3_uri {uri!r} is outside the project prefix; "
                f"fix: put the zip under s3://{self.project.data_bucket}/{self.project.name}/"
            )

    @property
    def scaling_max(self) -> int:
        return self.max_nodes if self.max_nodes is not None else 2 * self.core_nodes


def security_configuration(key_arn: str, certificates_uri: str) -> str:
    """EMR security configuration JSON: at rest (S3 + local disk/EBS, KMS), in transit (TLS), IMDSv2."""
    return json.dumps(
        {
            "EncryptionConfiguration": {
                "EnableAtRestEncryption": True,
                "EnableInTransitEncryption": True,
                "AtRestEncryptionConfiguration": {
                    "S3EncryptionConfiguration": {"EncryptionMode": "SSE-KMS", "AwsKmsKey": key_arn},
                    "LocalDiskEncryptionConfiguration": {
                        "EncryptionKeyProviderType": "AwsKms",
                        "AwsKmsKey": key_arn,
                        "EnableEbsEncryption": True,
                    },
                },
                "InTransitEncryptionConfiguration": {
                    "TLSCertificateConfiguration": {"CertificateProviderType": "PEM", "S3Object": certificates_uri},
                },
            },
            "InstanceMetadataServiceConfiguration": {
                "MinimumInstanceMetadataServiceVersion": 2,
                "HttpPutResponseHopLimit": 1,
            },
        }
    )


class SparkCluster(Construct):
    """Outputs: `cluster_id`, `name`, `master_dns`, `instance_role_arn`, `service_role_arn`."""

    def __init__(self, scope: Construct, id: str, props: SparkClusterProps) -> None:
        super().__init__(scope, id)
        p = props.project
        name = p.resource_name(props.name, max_len=SAGEMAKER_NAME_MAX)
        certificates = props.tls_certificates_s3_uri or f"{p.s3_uri(p.data_bucket, 'emr', 'tls')}certificates.zip"
        self.instance_role = ProjectRole(
            self,
            "instance-role",
            ProjectRoleProps(
                project=p,
                name=f"{props.name}-emr-ec2",
                service="ec2.amazonaws.com",
                source_account_condition=False,
                statements=(
                    *p.data_statements(write=True),
                    *p.prefix_statements(
                        "EmrLogs",
                        p.emr_log_bucket,
                        ("s3:PutObject", "s3:GetObject"),
                        props.name,
                        key_arn=p.platform_key_arn,
                        key_sid="PlatformKey",
                        key_actions=("kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"),
                    ),
                    *p.mlflow_statements(),
                    p.emr_artifacts_statement(),
                ),
            ),
        )
        profile = IamInstanceProfile(
            self,
            "instance-profile",
            name=p.resource_name(props.name, "emr-ec2"),
            path=p.role_path,
            role=self.instance_role.name,
        )
        self.service_role = ProjectRole(
            self,
            "service-role",
            ProjectRoleProps(
                project=p,
                name=f"{props.name}-emr",
                service="elasticmapreduce.amazonaws.com",
                managed_policy_arns=(EMR_SERVICE_POLICY,),
                allow_no_boundary_reason=SERVICE_ROLE_REASON,
                statements=(
                    p.pass_role_statement("ec2.amazonaws.com", self.instance_role.arn, sid="PassInstanceRole"),
                ),
            ),
        )
        security = EmrSecurityConfiguration(
            self,
            "security-configuration",
            name=name,
            configuration=security_configuration(p.key_arn, certificates),
        )
        groups = {
            role: SecurityGroup(
                self,
                f"{role}-sg",
                name=f"{name}-{role}",
                vpc_id=p.vpc_id,
                revoke_rules_on_delete=True,
                description=f"EMR-managed {role} group of {name} (EMR adds the rules between its nodes)",
                tags=EMR_MANAGED_TAG,
            )
            for role in ("primary", "core", "service")
        }
        self.cluster = EmrCluster(
            self,
            "cluster",
            name=name,
            release_label=props.release_label,
            applications=list(APPLICATIONS),
            service_role=self.service_role.arn,
            security_configuration=security.name,
            log_uri=p.s3_uri(p.emr_log_bucket, props.name),
            log_encryption_kms_key_id=p.platform_key_arn,
            termination_protection=False,
            keep_job_flow_alive_when_no_steps=True,
            ec2_attributes={
                "subnet_id": p.subnet_id(),
                "instance_profile": profile.arn,
                "emr_managed_master_security_group": groups["primary"].id,
                "emr_managed_slave_security_group": groups["core"].id,
                "service_access_security_group": groups["service"].id,
                "additional_master_security_groups": p.security_group("spark"),
            },
            master_instance_group={"instance_type": props.master_instance_type},
            core_instance_group={
                "instance_type": props.core_instance_type,
                "instance_count": props.core_nodes,
                "ebs_config": [
                    EmrClusterCoreInstanceGroupEbsConfig(size=props.ebs_size_gb, type="gp3", volumes_per_instance=1)
                ],
            },
            auto_termination_policy={"idle_timeout": props.idle_timeout_minutes * 60},
            tags=EMR_MANAGED_TAG,
            depends_on=[self.service_role.policy, self.instance_role.policy],
        )
        EmrManagedScalingPolicy(
            self,
            "scaling",
            cluster_id=self.cluster.id,
            compute_limits=[
                EmrManagedScalingPolicyComputeLimits(
                    unit_type="Instances",
                    minimum_capacity_units=props.core_nodes,
                    maximum_capacity_units=props.scaling_max,
                    maximum_core_capacity_units=props.scaling_max,
                )
            ],
        )
        self.cluster_id = self.cluster.id
        self.name = self.cluster.name
        self.master_dns = self.cluster.master_public_dns
        self.instance_role_arn = self.instance_role.arn
        self.service_role_arn = self.service_role.arn
