"""The self-service role of one project: what `mlzone request` runs as on AWS, for the project's members.

`<project>--self-service`, under the IAM path `/mlzone-self-service/` (outside `/mlzone/<project>/`, so no
project role may pass or be granted it), assumable only by the principals the spec names in
`self_service.members`. It may plan and apply the project's self-service stack and nothing else:

- state: read and write `mlzone/<project>-self-service.tfstate` and its lock file in the state bucket,
  read the platform's and the project's states (the stack reads their outputs), with the state key;
- roles: create, change and delete only roles under `/mlzone/<project>/` that carry the project's
  permissions boundary (`iam:PermissionsBoundary`), and pass them only to SageMaker, EMR and EC2;
- notebooks: only `<project>--*` instances of an allowed type (`sagemaker:InstanceTypes`), without direct
  internet access or root, with a volume under the project key, in the platform's subnets;
- clusters: `RunJobFlow` only with the request tag `project=<project>`, and every later call only on
  clusters tagged so;
- security groups: created in the platform VPC tagged `project=<project>`, changed only when so tagged.

Guardrails with no IAM condition key (the EMR security configuration, instance types and node counts of
a cluster, cluster and notebook counts, the budget) are held by the stack the role applies: the presets
and the guardrail check of `mlzone request`, and the gates (docs/self-service.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from modules.budget import budget_arn
from modules.grants import KEY_READ_WRITE, allow, grant_pass_role
from modules.iam import policy_document
from modules.naming import self_service_stack_name
from modules.project_role import ProjectScope, unique_sids
from modules.spark_cluster import EMR_SERVICE_POLICY
from modules.waivers import waive

SELF_SERVICE_PATH = "/mlzone-self-service/"
PROJECT_TAG = "project"
NOTEBOOK_ACTIONS = (
    "sagemaker:CreateNotebookInstance",
    "sagemaker:UpdateNotebookInstance",
)
NOTEBOOK_LIFECYCLE = (
    "sagemaker:DescribeNotebookInstance",
    "sagemaker:StartNotebookInstance",
    "sagemaker:StopNotebookInstance",
    "sagemaker:DeleteNotebookInstance",
    "sagemaker:CreatePresignedNotebookInstanceUrl",
    "sagemaker:CreateNotebookInstanceLifecycleConfig",
    "sagemaker:UpdateNotebookInstanceLifecycleConfig",
    "sagemaker:DescribeNotebookInstanceLifecycleConfig",
    "sagemaker:DeleteNotebookInstanceLifecycleConfig",
    "sagemaker:AddTags",
    "sagemaker:DeleteTags",
    "sagemaker:ListTags",
)
CLUSTER_ACTIONS = (
    "elasticmapreduce:DescribeCluster",
    "elasticmapreduce:ListInstanceGroups",
    "elasticmapreduce:ListInstanceFleets",
    "elasticmapreduce:ListBootstrapActions",
    "elasticmapreduce:ListSteps",
    "elasticmapreduce:TerminateJobFlows",
    "elasticmapreduce:SetTerminationProtection",
    "elasticmapreduce:ModifyCluster",
    "elasticmapreduce:AddTags",
    "elasticmapreduce:RemoveTags",
    "elasticmapreduce:GetAutoTerminationPolicy",
    "elasticmapreduce:PutAutoTerminationPolicy",
    "elasticmapreduce:RemoveAutoTerminationPolicy",
    "elasticmapreduce:GetManagedScalingPolicy",
    "elasticmapreduce:PutManagedScalingPolicy",
    "elasticmapreduce:RemoveManagedScalingPolicy",
)
# No resource ARN or condition key: describing and listing (and EMR security configurations, whose
# content the gates check) can only be granted on "*".
UNSCOPED_READ = (
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
    "ec2:DescribeNetworkInterfaces",
    "elasticmapreduce:DescribeSecurityConfiguration",
    "elasticmapreduce:ListClusters",
    "sagemaker:ListNotebookInstances",
    "sts:GetCallerIdentity",
)
SECURITY_CONFIGURATIONS = (
    "elasticmapreduce:CreateSecurityConfiguration",
    "elasticmapreduce:DeleteSecurityConfiguration",
)
ROLE_WRITE = ("iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary")
ROLE_MANAGE = (
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:DeleteRole",
)
PROFILE_MANAGE = (
    "iam:CreateInstanceProfile",
    "iam:GetInstanceProfile",
    "iam:AddRoleToInstanceProfile",
    "iam:RemoveRoleFromInstanceProfile",
    "iam:DeleteInstanceProfile",
    "iam:TagInstanceProfile",
)
GROUP_MANAGE = (
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:DeleteSecurityGroup",
    "ec2:CreateTags",
)
MEMBERS_TRUST = (
    "people assume this role: the project's members, named in self_service.members of the reviewed project spec; "
    "its policy holds only the project's self-service stack inside the guardrails (CKV_MLZ_52)"
)
PASSED_TO = ("sagemaker.amazonaws.com", "elasticmapreduce.amazonaws.com", "ec2.amazonaws.com")


@dataclass(frozen=True, kw_only=True)
class SelfServiceRoleProps:
    """Who may request, and what the requests may create (the guardrails IAM can express)."""

    project: ProjectScope
    """The owning project, with its boundary, key, subnets and VPC."""
    members: tuple[str, ...]
    """IAM role or user ARNs that may assume the role (`self_service.members`); at least one."""
    notebook_types: tuple[str, ...]
    """The SageMaker instance types members may request (`self_service.notebooks.instance_types`)."""
    audit_bucket: str
    """The platform's audit bucket (request records under requests/<project>/)."""
    state_bucket: str | None
    """The Terraform state bucket (aws target); None on the local target, whose state is local files."""
    state_key_alias: str
    """Alias of the KMS key encrypting the state (`alias/<platform>-tfstate`)."""
    subnet_count: int
    """How many private subnets the platform VPC has (`network.availability_zones`)."""

    def __post_init__(self) -> None:
        if not self.members:
            raise ValueError(f"project {self.project.name}: a self-service role needs at least one member")
        if not self.notebook_types:
            raise ValueError(f"project {self.project.name}: a self-service role needs an allowed notebook type")


def state_statements(props: SelfServiceRoleProps) -> list[dict]:
    """Read and write the self-service stack's state and lock; read the platform's and the project's states."""
    if props.state_bucket is None:
        return []
    p, bucket = props.project, f"arn:aws:s3:::{props.state_bucket}"
    own = f"mlzone/{self_service_stack_name(p.name)}.tfstate"
    read = [f"mlzone/{s}.tfstate" for s in ("platform", p.name)]
    return [
        allow("OwnState", ("s3:GetObject", "s3:PutObject"), f"{bucket}/{own}"),
        allow("OwnStateLock", ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"), f"{bucket}/{own}.tflock"),
        allow("ReadStates", "s3:GetObject", [f"{bucket}/{key}" for key in read]),
        allow("ListStates", "s3:ListBucket", bucket, {"StringEquals": {"s3:prefix": [own, *read]}}),
        allow(
            "StateKey",
            KEY_READ_WRITE,
            p.arn("kms", "key/*"),
            {"ForAnyValue:StringEquals": {"kms:ResourceAliases": props.state_key_alias}},
        ),
    ]


def notebook_statements(props: SelfServiceRoleProps) -> list[dict]:
    """Create or change notebooks only inside the guardrails IAM can express; manage only the project's."""
    p = props.project
    instances = p.arn("sagemaker", f"notebook-instance/{p.pattern}")
    configs = p.arn("sagemaker", f"notebook-instance-lifecycle-config/{p.pattern}")
    guardrails = {
        "ForAllValues:StringEquals": {
            "sagemaker:InstanceTypes": list(props.notebook_types),
            "sagemaker:VpcSubnets": [p.subnet_id(i) for i in range(props.subnet_count)],
        },
        "StringEquals": {
            "sagemaker:DirectInternetAccess": "Disabled",
            "sagemaker:RootAccess": "Disabled",
            "sagemaker:VolumeKmsKey": p.key_arn,
            f"aws:RequestTag/{PROJECT_TAG}": p.name,
        },
        "Null": {"sagemaker:VpcSubnets": "false"},
    }
    return [
        allow("NotebooksInsideGuardrails", "sagemaker:CreateNotebookInstance", instances, guardrails),
        allow(
            "NotebookChangesInsideGuardrails",
            "sagemaker:UpdateNotebookInstance",
            instances,
            {
                "ForAllValues:StringEquals": {"sagemaker:InstanceTypes": list(props.notebook_types)},
                "StringEquals": {"sagemaker:RootAccess": "Disabled"},
            },
        ),
        allow("ProjectNotebooks", NOTEBOOK_LIFECYCLE, [instances, configs]),
        allow(
            "NotebookVolumeKey",
            "kms:CreateGrant",
            p.key_arn,
            {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        ),
    ]


def cluster_statements(props: SelfServiceRoleProps) -> list[dict]:
    """Start clusters only tagged as the project's; act only on clusters so tagged."""
    p = props.project
    return [
        allow(
            "ClustersTaggedForTheProject",
            "elasticmapreduce:RunJobFlow",
            "*",
            {"StringEquals": {f"aws:RequestTag/{PROJECT_TAG}": p.name}},
        ),
        allow(
            "ProjectClusters",
            CLUSTER_ACTIONS,
            p.arn("elasticmapreduce", "cluster/*"),
            {"StringEquals": {f"elasticmapreduce:ResourceTag/{PROJECT_TAG}": p.name}},
        ),
        allow("SecurityConfigurations", SECURITY_CONFIGURATIONS, "*"),
    ]


def role_statements(props: SelfServiceRoleProps) -> list[dict]:
    """Roles and instance profiles under the project's path only, bounded by its boundary; passed to the
    workload services only."""
    p = props.project
    roles = f"arn:aws:iam::{p.account_id}:role{p.role_path}*"
    bounded = {"StringEquals": {"iam:PermissionsBoundary": p.boundary_arn}}
    return [
        allow("BoundedProjectRoles", ROLE_WRITE, roles, bounded),
        allow(
            "EmrServicePolicyOnly",
            "iam:AttachRolePolicy",
            roles,
            {"ArnEquals": {"iam:PolicyARN": EMR_SERVICE_POLICY}, **bounded},
        ),
        allow("ManageProjectRoles", ROLE_MANAGE, roles),
        allow("ProjectInstanceProfiles", PROFILE_MANAGE, f"arn:aws:iam::{p.account_id}:instance-profile{p.role_path}*"),
        *(grant_pass_role(f"PassTo{service.split('.')[0].title()}", roles, service) for service in PASSED_TO),
    ]


def network_statements(props: SelfServiceRoleProps) -> list[dict]:
    """Security groups: created in the platform VPC tagged as the project's, changed only when so tagged."""
    p = props.project
    groups = p.arn("ec2", "security-group/*")
    return [
        allow("GroupsInThePlatformVpc", "ec2:CreateSecurityGroup", p.arn("ec2", f"vpc/{p.vpc_id}")),
        allow(
            "GroupsTaggedForTheProject",
            ("ec2:CreateSecurityGroup", "ec2:CreateTags"),
            groups,
            {"StringEquals": {f"aws:RequestTag/{PROJECT_TAG}": p.name}},
        ),
        allow("ProjectGroups", GROUP_MANAGE, groups, {"StringEquals": {f"ec2:ResourceTag/{PROJECT_TAG}": p.name}}),
    ]


def request_statements(props: SelfServiceRoleProps) -> list[dict]:
    """What `mlzone request` reads and writes besides the stack: the budget's spend, its audit records."""
    p = props.project
    return [
        allow("ReadBudget", "budgets:ViewBudget", budget_arn(p.account_id, p.name)),
        allow("RequestRecords", "s3:PutObject", f"arn:aws:s3:::{props.audit_bucket}/requests/{p.name}/*"),
        allow("Describe", UNSCOPED_READ, "*"),
    ]


class SelfServiceRole(Construct):
    """Outputs: `arn`, `name`."""

    def __init__(self, scope: Construct, id: str, props: SelfServiceRoleProps) -> None:
        super().__init__(scope, id)
        p = props.project
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": list(props.members)}, "Action": "sts:AssumeRole"}],
        }
        waive(self, MEMBERS_TRUST, "CKV_MLZ_22")
        self.role = IamRole(
            self,
            "role",
            name=p.resource_name("self-service"),
            path=SELF_SERVICE_PATH,
            assume_role_policy=json.dumps(trust),
            description=f"applies the self-service stack of project {p.name} (mlzone request)",
        )
        statements = [
            *state_statements(props),
            *notebook_statements(props),
            *cluster_statements(props),
            *role_statements(props),
            *network_statements(props),
            *request_statements(props),
        ]
        IamRolePolicy(
            self,
            "policy",
            role=self.role.id,
            name="apply-self-service-stack",
            policy=policy_document(*unique_sids(statements)),
        )
        self.arn = self.role.arn
        self.name = self.role.name
