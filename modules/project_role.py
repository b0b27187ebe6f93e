"""Project identity: the scope every project resource lives in, its permissions boundary, and the
roles its workloads run as.

Isolation between projects is built from three pieces, all named after the project:
- a KMS key per project (`ProjectScope.key_arn`): volumes, EMR, ECR, endpoints and the data under
  the project prefix are encrypted with it, and only the project's roles may use it;
- an S3 prefix per project: `s3://<data-bucket>/<project>/` (and `<project>/` in the capture,
  EMR-log and MLflow buckets); roles get object access below their prefix only;
- a permissions boundary per project (`ProjectBoundary`) attached to every role that runs project
  code: even a role policy edited by hand cannot reach past the project's prefixes, key and
  `<project>--*` resources (modules/naming.py: no pattern of one project matches another's names).

Roles live under the IAM path `/mlzone/<project>/`, so `iam:PassRole` can be scoped to the
project's roles with one ARN pattern.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf import Fn
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from constructs import Construct

from modules.grants import (
    KEY_DECRYPT,
    KEY_USE,
    OBJECT_READ,
    OBJECT_WRITE,
    allow,
    grant_ecr_login,
    grant_ecr_pull,
    grant_key,
    grant_log_groups,
    grant_log_streams,
    grant_metrics,
    grant_objects,
    grant_pass_role,
    grant_prefix,
)
from modules.iam import policy_document
from modules.limits import REASON_MIN_CHARS as MIN_REASON
from modules.naming import project_name, project_pattern
from modules.service_role import ServiceRole, ServiceRoleProps

IAM_NAME_MAX = 64
REGISTRY_READ = (
    "sagemaker:DescribeModelPackageGroup",
    "sagemaker:DescribeModelPackage",
    "sagemaker:ListModelPackages",
)
REGISTRY_WRITE = ("sagemaker:CreateModelPackage",)
# Project roles register versions only as pending review and never update one (its lineage stays as
# registered): approving (or rejecting) is the approver role's decision (modules/approver_role.py).
PENDING_ONLY = {"StringEqualsIfExists": {"sagemaker:ModelApprovalStatus": "PendingManualApproval"}}
# Network interfaces in the platform VPC. Describe calls cannot be scoped to a resource; the others
# are scoped to this account and region (no `*` resource for actions that can be restricted).
VPC_DESCRIBE = (
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeDhcpOptions",
)
VPC_ATTACH = (
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
)
# Log groups every project's workloads write to (AWS names them): projects get their own streams only.
NOTEBOOK_LOG_GROUP = "/aws/sagemaker/NotebookInstances"
MLFLOW_USE = (
    "sagemaker:CreatePresignedMlflowTrackingServerUrl",
    "sagemaker:DescribeMlflowTrackingServer",
    "sagemaker-mlflow:AccessUI",
    "sagemaker-mlflow:CreateExperiment",
    "sagemaker-mlflow:SearchExperiments",
    "sagemaker-mlflow:GetExperiment",
    "sagemaker-mlflow:GetExperimentByName",
    "sagemaker-mlflow:CreateRun",
    "sagemaker-mlflow:UpdateRun",
    "sagemaker-mlflow:GetRun",
    "sagemaker-mlflow:SearchRuns",
    "sagemaker-mlflow:LogMetric",
    "sagemaker-mlflow:LogParam",
    "sagemaker-mlflow:LogBatch",
    "sagemaker-mlflow:LogInputs",
    "sagemaker-mlflow:SetTag",
    "sagemaker-mlflow:GetMetricHistory",
    "sagemaker-mlflow:ListArtifacts",
)


def require_reasons(what: str, **reasons: str | None) -> None:
    """Every `allow_*` opt-out that is set must carry a real reason (kept in Git review)."""
    for name, reason in reasons.items():
        if reason is not None and len(reason.strip()) < MIN_REASON:
            raise ValueError(f"{what}: {name} needs a real reason (>= {MIN_REASON} characters)")


def role_pattern(account_id: str, project: str) -> str:
    """ARN pattern of every role of `project` (they all live under /mlzone/<project>/)."""
    return f"arn:aws:iam::{account_id}:role/mlzone/{project}/*"


@dataclass(frozen=True, kw_only=True)
class TrackingAccess:
    """The MLflow tracking server a project uses and where its artifacts live."""

    server_arn: str  # the project's own server, or the platform's shared one
    bucket: str  # artifact bucket
    prefix: tuple[str, ...]  # below <bucket>/<project>/: ("mlflow",) in the data bucket, () in the shared bucket
    key_arn: str  # key encrypting the artifacts (the project key, or the platform key when shared)


@dataclass(frozen=True, kw_only=True)
class ProjectScope:
    """Where a project's resources live and what its roles may touch; built once per project stack."""

    name: str  # project name: prefix of every resource, S3 prefix, IAM path /mlzone/<name>/
    account_id: str  # account of every ARN built here
    region: str  # region of every ARN built here
    data_bucket: str  # the project's data bucket (its key by default); roles use s3://<data_bucket>/<name>/ only
    capture_bucket: str  # platform capture bucket; the project's endpoints write <name>/ only
    emr_log_bucket: str  # platform EMR log bucket; the project's clusters log to <name>/ only
    platform_key_arn: str  # platform data key encrypting the shared buckets (captures, EMR logs, MLflow)
    key_arn: str  # the project's own KMS key; no other project's role can use it
    vpc_id: str  # the platform VPC
    subnet_ids: Sequence[str]  # private subnets of the platform VPC
    security_groups: Mapping[str, str] = field(default_factory=dict)  # workload kind -> the project's own group
    boundary_arn: str = ""  # permissions boundary of the project roles (set by ProjectBoundary)
    tracking: TrackingAccess | None = None  # MLflow server and artifact store; None: experiment tracking off
    shared_models: tuple[tuple[str, str], ...] = ()  # (project, model) pairs other projects shared with this one
    audit_bucket: str = ""  # platform audit bucket; the project's batch jobs write batch-runs/<name>/ only
    audit_key_arn: str = ""  # its key
    subject_key_secret: str = ""  # the platform's subject-key secret (name), read by the project's scoring jobs

    def resource_name(self, *parts: str, max_len: int = IAM_NAME_MAX) -> str:
        """`<project>--<parts...>`, checked against the AWS name limit (IAM: 64, SageMaker/EMR: 63)."""
        name = project_name(self.name, *parts)
        if len(name) > max_len:
            raise ValueError(
                f"{name!r} is {len(name)} characters, over the {max_len}-character AWS limit; "
                "fix: shorten the project name or the resource name in the project spec"
            )
        return name

    @property
    def pattern(self) -> str:
        """`<project>--*`: every physical name of this project, none of another project."""
        return project_pattern(self.name)

    def security_group(self, kind: str) -> str:
        """The project's own security group for one workload kind (never a shared or platform group)."""
        if kind not in self.security_groups:
            raise ValueError(
                f"project {self.name}: no {kind!r} security group; fix: build a ProjectNetwork with {kind!r}"
            )
        return self.security_groups[kind]

    def subnet_id(self, index: int = 0) -> str:
        """One private subnet (index wraps around, so entries spread over the AZs)."""
        return Fn.element(self.subnet_ids, index)

    @property
    def role_path(self) -> str:
        return f"/mlzone/{self.name}/"

    @property
    def role_arn_pattern(self) -> str:
        """Every role of this project (for iam:PassRole and resource policies)."""
        return role_pattern(self.account_id, self.name)

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"

    def s3_uri(self, bucket: str, *parts: str) -> str:
        """`s3://<bucket>/<project>/<parts>/`: always inside the project's prefix."""
        return "/".join((f"s3://{bucket}", self.name, *parts)) + "/"

    # ---- the project's grants (modules/grants.py): every one names the project's own prefix, key or resources

    def prefix_statements(
        self,
        sid: str,
        bucket: str,
        actions: Sequence[str],
        *parts: str,
        key_arn: str | None = None,
        key_sid: str = "",
        key_actions: Sequence[str] | None = None,
    ) -> list[dict]:
        """Object `actions` below `<bucket>/<project>/<parts>/`, listing of that prefix only, and the bucket's
        key when `key_arn` is given (`grants.grant_prefix`)."""
        return grant_prefix(
            sid,
            bucket,
            "/".join((self.name, *parts)),
            actions,
            key_arn=key_arn,
            key_sid=key_sid,
            key_actions=key_actions,
        )

    def run_manifest_statements(self, *parts: str) -> list[dict]:
        """Write (never read or delete) run manifests under `batch-runs/<project>/<parts>/` of the audit bucket."""
        if not self.audit_bucket:
            return []
        found = [
            grant_objects(
                "RunManifests", self.audit_bucket, "/".join(("batch-runs", self.name, *parts)), "s3:PutObject"
            )
        ]
        if self.audit_key_arn:
            found.append(grant_key("AuditKey", self.audit_key_arn, ("kms:GenerateDataKey", "kms:DescribeKey")))
        return found

    def subject_key_statement(self) -> dict:
        """Read the platform's subject-key secret (AWS appends six characters to a secret's ARN)."""
        return allow(
            "SubjectKey",
            "secretsmanager:GetSecretValue",
            self.arn("secretsmanager", f"secret:{self.subject_key_secret}-??????"),
        )

    def data_statements(self, write: bool = True) -> list[dict]:
        """The project's data prefix (read, or read-write) with its own key."""
        actions = (*OBJECT_READ, *OBJECT_WRITE) if write else OBJECT_READ
        return self.prefix_statements(
            "Data", self.data_bucket, actions, key_arn=self.key_arn, key_sid="ProjectKey", key_actions=KEY_USE
        )

    def key_statement(self) -> dict:
        return grant_key("ProjectKey", self.key_arn, KEY_USE)

    def platform_key_statement(self, actions: Sequence[str] = KEY_DECRYPT) -> dict:
        return grant_key("PlatformKey", self.platform_key_arn, actions)

    def capture_read_statements(self) -> list[dict]:
        """Read-only access to the project's captures (encrypted with the platform key)."""
        return self.prefix_statements(
            "Captures", self.capture_bucket, OBJECT_READ, key_arn=self.platform_key_arn, key_sid="PlatformKey"
        )

    def registry_statements(self, write: bool = False) -> list[dict]:
        """Pull the project's images and read its model packages (and those shared with it)."""
        statements = [
            grant_ecr_login(),
            grant_ecr_pull("EcrRepositories", self.arn("ecr", f"repository/{self.name}/*"), push=write),
            allow(
                "ModelRegistry",
                REGISTRY_READ,
                [
                    self.arn("sagemaker", f"model-package-group/{self.pattern}"),
                    self.arn("sagemaker", f"model-package/{self.pattern}/*"),
                ],
            ),
        ]
        if write:
            statements.append(
                {
                    **statements[-1],
                    "Sid": "RegisterPendingVersions",
                    "Action": list(REGISTRY_WRITE),
                    "Condition": PENDING_ONLY,
                }
            )
        if self.shared_models:
            statements += [
                grant_ecr_pull(
                    "SharedEcrRepositories",
                    [self.arn("ecr", f"repository/{owner}/{model}") for owner, model in self.shared_models],
                ),
                allow(
                    "SharedModelRegistry",
                    REGISTRY_READ,
                    [
                        arn
                        for owner, model in self.shared_models
                        for arn in (
                            self.arn("sagemaker", f"model-package-group/{project_name(owner, model)}"),
                            self.arn("sagemaker", f"model-package/{project_name(owner, model)}/*"),
                        )
                    ],
                ),
            ]
        return statements

    def vpc_statements(self) -> tuple[dict, ...]:
        """Create network interfaces in the account's subnets, in the project's own security groups only
        (tagged `project=<name>` by the tagging aspect); describe the VPC."""
        return (
            allow("VpcDescribe", VPC_DESCRIBE, "*"),
            allow(
                "VpcInterfaces", VPC_ATTACH, [self.arn("ec2", f"{kind}/*") for kind in ("network-interface", "subnet")]
            ),
            allow(
                "VpcProjectSecurityGroups",
                VPC_ATTACH,
                self.arn("ec2", "security-group/*"),
                {"StringEquals": {"ec2:ResourceTag/project": self.name}},
            ),
        )

    def logs_statement(self, *groups: str) -> dict:
        """Write to log groups of this project: exact names or `<...>/<project>--*` patterns, and their streams."""
        return grant_log_groups("Logs", [self.arn("logs", f"log-group:{group}") for group in groups])

    def log_stream_statements(self, group: str) -> list[dict]:
        """Write only the project's own streams (`<project>--*`) of a log group every project shares
        (the group itself may be created, under its exact name; no other stream is listed or written)."""
        return [
            allow("SharedLogGroup", "logs:CreateLogGroup", self.arn("logs", f"log-group:{group}")),
            grant_log_streams("OwnLogStreams", self.arn("logs", f"log-group:{group}"), self.pattern),
        ]

    def metrics_statement(self, *namespaces: str) -> dict:
        """Publish metrics to the given namespaces only (one namespace stays a string in the JSON)."""
        return grant_metrics(namespaces[0] if len(namespaces) == 1 else namespaces)

    def mlflow_statements(self) -> list[dict]:
        """The project's tracking server, with artifacts under `<bucket>/<project>/<prefix>/` only."""
        t = self.tracking
        if t is None:
            return []
        return [
            allow("Mlflow", MLFLOW_USE, t.server_arn),
            *self.prefix_statements(
                "MlflowArtifacts",
                t.bucket,
                (*OBJECT_READ, *OBJECT_WRITE),
                *t.prefix,
                key_arn=t.key_arn,
                key_sid="MlflowKey",
            ),
        ]

    def emr_artifacts_statement(self) -> dict:
        """EMR nodes fetch their packages from the regional EMR buckets through the S3 endpoint."""
        return allow(
            "EmrArtifacts",
            "s3:GetObject",
            [
                f"arn:aws:s3:::repo.{self.region}.emr.amazonaws.com/*",
                f"arn:aws:s3:::{self.region}.elasticmapreduce/*",
            ],
        )

    def pass_role_statement(self, service: str, role_arn: str | None = None, sid: str = "PassProjectRoles") -> dict:
        """Pass this project's roles (and only them; one of them when `role_arn` is given) to one AWS service."""
        return grant_pass_role(sid, role_arn or self.role_arn_pattern, service)


def unique_sids(statements: Sequence[dict]) -> list[dict]:
    """Merge statements into one document: equal statements once, clashing Sids numbered."""
    out: list[dict] = []
    seen: dict[str, int] = {}
    for statement in statements:
        if statement in out:
            continue
        sid = statement.get("Sid")
        if sid is not None:
            seen[sid] = seen.get(sid, 0) + 1
            if seen[sid] > 1:
                statement = {**statement, "Sid": f"{sid}{seen[sid]}"}
        out.append(statement)
    return out


@dataclass(frozen=True, kw_only=True)
class ProjectBoundaryProps:
    """The ceiling of every project role: nothing outside the project's prefixes, key and resources."""

    project: ProjectScope  # the project; boundary_arn is ignored here


class ProjectBoundary(Construct):
    """A managed policy used as the permissions boundary of every project role. Outputs: `arn`."""

    def __init__(self, scope: Construct, id: str, props: ProjectBoundaryProps) -> None:
        super().__init__(scope, id)
        p = props.project
        tagged = {"StringEquals": {"aws:ResourceTag/project": p.name}}
        statements = [
            *p.data_statements(write=True),
            *p.prefix_statements("Captures", p.capture_bucket, (*OBJECT_READ, "s3:PutObject")),
            *p.prefix_statements(
                "EmrLogs",
                p.emr_log_bucket,
                (*OBJECT_READ, "s3:PutObject"),
                key_arn=p.platform_key_arn,
                key_sid="PlatformKey",
            ),
            *p.registry_statements(write=True),
            *p.mlflow_statements(),
            *p.vpc_statements(),
            p.emr_artifacts_statement(),
            p.logs_statement(
                f"/aws/sagemaker/Endpoints/{p.pattern}", f"/aws/codebuild/{p.pattern}", f"/mlzone/{p.name}/*"
            ),
            *p.log_stream_statements(NOTEBOOK_LOG_GROUP),
            allow(
                "ProjectEndpoints",
                ["sagemaker:InvokeEndpoint", "sagemaker:DescribeEndpoint"],
                p.arn("sagemaker", f"endpoint/{p.pattern}"),
            ),
            allow(
                "ProjectSparkClusters",
                [
                    "elasticmapreduce:DescribeCluster",
                    "elasticmapreduce:ListInstances",
                    "elasticmapreduce:GetClusterSessionCredentials",
                ],
                p.arn("elasticmapreduce", "cluster/*"),
                tagged,
            ),
            allow(
                "ProjectBatchJobs",
                ["emr-serverless:StartJobRun", "emr-serverless:GetJobRun", "emr-serverless:GetApplication"],
                [p.arn("emr-serverless", "/applications/*"), p.arn("emr-serverless", "/applications/*/jobruns/*")],
                tagged,
            ),
            p.metrics_statement("/aws/sagemaker/*", "EMR*", p.name),
            p.pass_role_statement("emr-serverless.amazonaws.com"),
            *p.run_manifest_statements(),
            *([p.subject_key_statement()] if p.subject_key_secret else []),
        ]
        self.policy = IamPolicy(
            self,
            "policy",
            name=p.resource_name("boundary"),
            path=p.role_path,
            description=f"mlzone permissions boundary of every {p.name} role",
            policy=policy_document(*unique_sids(statements)),
        )
        self.arn = self.policy.arn


@dataclass(frozen=True, kw_only=True)
class ProjectRoleProps:
    """A role for one workload of a project, bounded by the project boundary."""

    project: ProjectScope  # the project (its boundary_arn is attached)
    name: str  # role name suffix: the role is <project>--<name>
    service: str  # the one AWS service that may assume it, e.g. sagemaker.amazonaws.com
    statements: tuple[dict, ...]  # inline grants; each must stay inside the boundary
    managed_policy_arns: tuple[str, ...] = ()  # AWS-managed policies to attach; default none
    source_account_condition: bool = True  # trust only calls for our account (ec2 does not send it: False)
    allow_no_boundary_reason: str | None = None  # opt-out: a service role running no project code

    def __post_init__(self) -> None:
        require_reasons(f"role {self.name}", allow_no_boundary_reason=self.allow_no_boundary_reason)
        if not self.project.boundary_arn and not self.allow_no_boundary_reason:
            raise ValueError(
                f"role {self.name}: the project scope has no boundary_arn; fix: build a ProjectBoundary first "
                "or set allow_no_boundary_reason"
            )
        if any(s.get("Action") == "*" or "*" in (s.get("Action") or []) for s in self.statements):
            raise ValueError(f"role {self.name}: a statement allows every action ('*'); fix: list the actions")


class ProjectRole(Construct):
    """A `ServiceRole` under /mlzone/<project>/, bounded by the project boundary, with its inline policy
    `project-access`. Outputs: `arn`, `name`, `role`, `policy`."""

    def __init__(self, scope: Construct, id: str, props: ProjectRoleProps) -> None:
        super().__init__(scope, id)
        p = props.project
        role = ServiceRole(
            self,
            "",
            ServiceRoleProps(
                name=p.resource_name(props.name),
                service=props.service,
                path=p.role_path,
                permissions_boundary=None if props.allow_no_boundary_reason else p.boundary_arn,
                account_id=p.account_id if props.source_account_condition else None,
                policy_name="project-access",
                statements=tuple(unique_sids(props.statements)),
                managed_policy_arns=props.managed_policy_arns,
            ),
        )
        self.role, self.policy, self.arn, self.name = role.role, role.policy, role.arn, role.name
