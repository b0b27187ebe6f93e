"""`ServiceRole`: an IAM role one AWS service assumes, its inline policy and its trust policy, written
once for the platform roles (CloudTrail logs, VPC flow logs, MLflow) and the project roles
(modules/project_role.py)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from modules.iam import assume_role_policy, policy_document


@dataclass(frozen=True, kw_only=True)
class ServiceRoleProps:
    """A role only `service` may assume, for `account_id` (and `source_arn`) when given."""

    name: str  # role name
    service: str  # the one AWS service that may assume it, e.g. cloudtrail.amazonaws.com
    policy_name: str  # name of the inline policy
    statements: tuple[dict, ...]  # the inline policy's statements (modules/grants.py)
    account_id: str | None  # trust condition aws:SourceAccount; None only for services that do not send it (ec2)
    source_arn: str | None = None  # trust condition aws:SourceArn (ArnLike): the resources acting through the role
    path: str | None = None  # IAM path; default "/"
    permissions_boundary: str | None = None  # managed policy ARN bounding the role; default none
    managed_policy_arns: tuple[str, ...] = ()  # AWS-managed policies to attach; default none


class ServiceRole:
    """Adds `<id_prefix>role`, `<id_prefix>policy` and `<id_prefix>managed-<i>` to `scope` itself, not below
    a construct of its own, so the roles written before it keep their logical ids (`id_prefix=""` in a
    construct that owns one role). Outputs: `arn`, `name`, `role`, `policy`."""

    def __init__(self, scope: Construct, id_prefix: str, props: ServiceRoleProps) -> None:
        self.role = IamRole(
            scope,
            f"{id_prefix}role",
            name=props.name,
            path=props.path,
            permissions_boundary=props.permissions_boundary,
            assume_role_policy=assume_role_policy(props.service, props.account_id, props.source_arn),
        )
        self.policy = IamRolePolicy(
            scope,
            f"{id_prefix}policy",
            role=self.role.id,
            name=props.policy_name,
            policy=policy_document(*props.statements),
        )
        for i, arn in enumerate(props.managed_policy_arns):
            IamRolePolicyAttachment(scope, f"{id_prefix}managed-{i}", role=self.role.name, policy_arn=arn)
        self.arn = self.role.arn
        self.name = self.role.name
