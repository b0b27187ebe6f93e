"""The registry of one model: a SageMaker model package group (the versions and their approval
status) and an ECR repository (the serving/scoring images).

Secure defaults:
- ECR: immutable tags (a released version can never be overwritten), scan on push, KMS encryption
  with the project key, and a repository policy that denies image pulls and pushes to every
  principal except the project's roles (`role/mlzone/<project>/*`, which includes the deploy role)
  and pulls by the projects the model is shared with.
- Model package group: a resource policy grants read access to each `share_with` project's roles,
  explicitly; without `share_with` no policy exists and only the project's roles (by their
  identity policies) can see it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.ecr_repository import EcrRepository, EcrRepositoryEncryptionConfiguration
from cdktf_cdktf_provider_aws.ecr_repository_policy import EcrRepositoryPolicy
from cdktf_cdktf_provider_aws.sagemaker_model_package_group import SagemakerModelPackageGroup
from cdktf_cdktf_provider_aws.sagemaker_model_package_group_policy import SagemakerModelPackageGroupPolicy
from constructs import Construct

from modules.grants import ECR_PULL, ECR_PUSH
from modules.iam import policy_document
from modules.naming import SAGEMAKER_NAME_MAX
from modules.project_role import REGISTRY_READ, ProjectScope, role_pattern


def model_package_arn(project: ProjectScope, group: str, version: int) -> str:
    """The ARN of version `version` of the package group `group` (`<project>--<model>`)."""
    return project.arn("sagemaker", f"model-package/{group}/{version}")


@dataclass(frozen=True, kw_only=True)
class ModelRegistryProps:
    """One model: its package group and its image repository."""

    project: ProjectScope
    """The owning project (key, account, role path)."""
    model: str
    """Model name: group <project>--<model>, repository <project>/<model>."""
    share_with: tuple[str, ...] = ()
    """Other projects granted read (describe + pull); default none."""
    deploy_role_arn: str
    """The project's deploy role (pushes images, registers versions)."""

    def __post_init__(self) -> None:
        if self.project.name in self.share_with:
            raise ValueError(f"model {self.model}: share_with names its own project; fix: list other projects only")


class ModelRegistry(Construct):
    """Outputs: `name`, `arn` (the model package group), `repository_url`, `repository_arn`."""

    def __init__(self, scope: Construct, id: str, props: ModelRegistryProps) -> None:
        super().__init__(scope, id)
        p = props.project
        account = p.account_id
        group_name = p.resource_name(props.model, max_len=SAGEMAKER_NAME_MAX)
        self.group = SagemakerModelPackageGroup(
            self,
            "group",
            model_package_group_name=group_name,
            model_package_group_description=f"{props.model} of project {p.name} (mlzone)",
        )
        readers = [role_pattern(account, other) for other in props.share_with]
        if readers:
            SagemakerModelPackageGroupPolicy(
                self,
                "share",
                model_package_group_name=self.group.model_package_group_name,
                resource_policy=policy_document(
                    {
                        "Sid": "SharedRead",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                        "Action": list(REGISTRY_READ),
                        "Resource": [
                            p.arn("sagemaker", f"model-package-group/{group_name}"),
                            p.arn("sagemaker", f"model-package/{group_name}/*"),
                        ],
                        "Condition": {"ArnLike": {"aws:PrincipalArn": readers}},
                    }
                ),
            )
        self.repository = EcrRepository(
            self,
            "repository",
            name=f"{p.name}/{props.model}",
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configuration=[EcrRepositoryEncryptionConfiguration(encryption_type="KMS", kms_key=p.key_arn)],
        )
        owners = [p.role_arn_pattern, props.deploy_role_arn]
        statements = []
        for sid, actions, principals in (("Push", ECR_PUSH, owners), ("Pull", ECR_PULL, owners + readers)):
            statements += [
                {
                    "Sid": f"Deny{sid}OutsideProject",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": list(actions),
                    "Condition": {"ArnNotLike": {"aws:PrincipalArn": principals}},
                },
                {
                    "Sid": f"Allow{sid}",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": list(actions),
                    "Condition": {"ArnLike": {"aws:PrincipalArn": principals}},
                },
            ]
        EcrRepositoryPolicy(
            self, "repository-policy", repository=self.repository.name, policy=policy_document(*statements)
        )
        self.name = self.group.model_package_group_name
        self.arn = self.group.arn
        self.repository_url = self.repository.repository_url
        self.repository_arn = self.repository.arn
