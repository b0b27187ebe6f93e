"""The approver role of one project: the only principal that may approve or reject its model versions.

`<project>--approver`, under the IAM path `/mlzone-approval/` (outside `/mlzone/<project>/`, so no
project role pattern, key policy or permissions boundary covers it), assumable only by the principals
the project spec names in `approvers:`. It may read the project's model package groups, set a
version's status (`sagemaker:UpdateModelPackage`, scoped to the project's groups) and write approval
records under `approvals/<project>/` in the audit bucket. Project roles (the deploy role included)
may only create versions as `PendingManualApproval` (modules/project_role.py).

What IAM cannot express — "not the identity that registered this version" — `mlzone model approve`
enforces (mlzone/lifecycle/registry_approval.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from modules.audit_writers import APPROVER_PATH, RECORD_KEY_ACTIONS
from modules.grants import allow, grant_key
from modules.iam import policy_document
from modules.project_role import REGISTRY_READ, ProjectScope
from modules.waivers import waive

APPROVE = ("sagemaker:UpdateModelPackage",)
PEOPLE_TRUST_REASON = (
    "the approver role exists to be assumed by the people the project spec names in approvers: (four eyes on "
    "model versions); its trust names exactly those validated role or user ARNs, never * or a whole account"
)


@dataclass(frozen=True, kw_only=True)
class ApproverRoleProps:
    """Who may approve the project's model versions, and where their records go."""

    project: ProjectScope
    """The owning project (its `<project>--*` package groups)."""
    approvers: tuple[str, ...]
    """IAM role or user ARNs that may assume the role (ProjectSpec.approvers); at least one."""
    audit_bucket: str
    """The platform's audit bucket (records under approvals/<project>/)."""
    audit_key_arn: str
    """The platform's audit key, which encrypts those records."""

    def __post_init__(self) -> None:
        if not self.approvers:
            raise ValueError(f"project {self.project.name}: an approver role needs at least one approver")


class ApproverRole(Construct):
    """Outputs: `arn`, `name`."""

    def __init__(self, scope: Construct, id: str, props: ApproverRoleProps) -> None:
        super().__init__(scope, id)
        p = props.project
        groups = [
            p.arn("sagemaker", f"model-package-group/{p.pattern}"),
            p.arn("sagemaker", f"model-package/{p.pattern}/*"),
        ]
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": list(props.approvers)}, "Action": "sts:AssumeRole"}],
        }
        self.role = IamRole(
            self,
            "role",
            name=p.resource_name("approver"),
            path=APPROVER_PATH,
            assume_role_policy=json.dumps(trust),
            description=f"approves or rejects model versions of project {p.name} (mlzone)",
        )
        waive(self.role, PEOPLE_TRUST_REASON, "CKV_MLZ_22")
        IamRolePolicy(
            self,
            "policy",
            role=self.role.id,
            name="approve-model-versions",
            policy=policy_document(
                allow("ReadRegistry", REGISTRY_READ, groups),
                allow("DecideVersions", APPROVE, p.arn("sagemaker", f"model-package/{p.pattern}/*")),
                allow("WhoAmI", "sts:GetCallerIdentity", "*"),
                allow("ApprovalRecords", "s3:PutObject", f"arn:aws:s3:::{props.audit_bucket}/approvals/{p.name}/*"),
                grant_key("ApprovalRecordsKey", props.audit_key_arn, RECORD_KEY_ACTIONS),
                allow(
                    "ReadApprovalRecords", ["s3:GetObject"], f"arn:aws:s3:::{props.audit_bucket}/approvals/{p.name}/*"
                ),
                allow(
                    "ListApprovalRecords",
                    "s3:ListBucket",
                    f"arn:aws:s3:::{props.audit_bucket}",
                    {"StringLike": {"s3:prefix": f"approvals/{p.name}/*"}},
                ),
            ),
        )
        self.arn = self.role.arn
        self.name = self.role.name
