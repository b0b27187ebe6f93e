"""Grant functions: the IAM statements a role needs for one kind of access, in the style of aws-cdk's
`bucket.grantRead` / `key.grantDecrypt` (granting a prefix of an encrypted bucket grants its key too).

Each function returns ready statements (dicts, for `modules/iam.py policy_document`) and takes the
exact resource: callers scope it to their project (`ProjectScope` in modules/project_role.py passes
`<project>/` prefixes, `<project>--*` names and `/mlzone/<project>/` role ARNs). `actions` given as
one string stay one string in the JSON; sequences become lists.
"""

from __future__ import annotations

from collections.abc import Sequence

OBJECT_READ = ("s3:GetObject", "s3:GetObjectVersion")
OBJECT_WRITE = ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")
KEY_USE = (
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:DescribeKey",
)
KEY_DECRYPT = ("kms:Decrypt", "kms:DescribeKey")
KEY_READ_WRITE = ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")  # read and write objects under SSE-KMS
ECR_PULL = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")
ECR_PUSH = ("ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload")
LOG_WRITE = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams")
STREAM_WRITE = ("logs:CreateLogStream", "logs:PutLogEvents")

Actions = str | Sequence[str]


def allow(sid: str | None, actions: Actions, resource: str | Sequence[str], condition: dict | None = None) -> dict:
    """One `Allow` statement (no Sid when `sid` is None)."""
    statement: dict = {"Sid": sid} if sid else {}
    statement |= {
        "Effect": "Allow",
        "Action": actions if isinstance(actions, str) else list(actions),
        "Resource": resource if isinstance(resource, str) else list(resource),
    }
    if condition:
        statement["Condition"] = condition
    return statement


def grant_key(sid: str, key_arn: str, actions: Actions = KEY_DECRYPT) -> dict:
    """Use of one KMS key (`key.grantDecrypt` by default)."""
    return allow(sid, actions, key_arn)


def grant_objects(sid: str, bucket: str, prefix: str, actions: Actions) -> dict:
    """Object `actions` below `<bucket>/<prefix>/` (no listing)."""
    return allow(sid, actions, f"arn:aws:s3:::{bucket}/{prefix}/*")


def grant_prefix(
    sid: str,
    bucket: str,
    prefix: str,
    actions: Actions,
    *,
    key_arn: str | None = None,
    key_sid: str = "",
    key_actions: Actions | None = None,
) -> list[dict]:
    """Object `actions` below `<bucket>/<prefix>/`, listing of that prefix only, and (with `key_arn`) the
    bucket key: `KEY_READ_WRITE` when an action writes, `KEY_DECRYPT` otherwise, unless `key_actions`."""
    statements = [
        grant_objects(f"{sid}Objects", bucket, prefix, actions),
        allow(
            f"{sid}List",
            "s3:ListBucket",
            f"arn:aws:s3:::{bucket}",
            {"StringLike": {"s3:prefix": [f"{prefix}/*", f"{prefix}/"]}},
        ),
    ]
    if key_arn:
        writes = any(a in OBJECT_WRITE for a in ([actions] if isinstance(actions, str) else actions))
        statements.append(
            grant_key(key_sid or f"{sid}Key", key_arn, key_actions or (KEY_READ_WRITE if writes else KEY_DECRYPT))
        )
    return statements


def grant_pass_role(sid: str, role_arn: str, service: str) -> dict:
    """`iam:PassRole` of `role_arn` (a role or a project's role pattern) to one AWS service only."""
    return allow(sid, "iam:PassRole", role_arn, {"StringEquals": {"iam:PassedToService": service}})


def grant_ecr_login() -> dict:
    """`ecr:GetAuthorizationToken`: has no resource, so it cannot be scoped (pulls are, by repository)."""
    return allow("EcrLogin", "ecr:GetAuthorizationToken", "*")


def grant_ecr_pull(sid: str, repository_arns: str | Sequence[str], push: bool = False) -> dict:
    """Pull (and with `push`, push) images of the given repositories."""
    return allow(sid, (*ECR_PULL, *ECR_PUSH) if push else ECR_PULL, repository_arns)


def grant_log_groups(sid: str | None, group_arns: Sequence[str], actions: Actions = LOG_WRITE) -> dict:
    """Write to log groups: exact ARNs (the group and its streams) or `...*` patterns."""
    resources = []
    for arn in group_arns:
        resources.append(arn)
        if not arn.endswith("*"):
            resources.append(f"{arn}:log-stream:*")
    return allow(sid, actions, resources)


def grant_log_streams(sid: str | None, group_arn: str, streams: str = "*") -> dict:
    """Create and write the `streams` (a name pattern) of one log group, nothing else."""
    return allow(sid, STREAM_WRITE, f"{group_arn}:log-stream:{streams}")


def grant_metrics(namespaces: str | Sequence[str]) -> dict:
    """`cloudwatch:PutMetricData` (no resource-level scoping exists), limited to the given namespaces."""
    namespace = namespaces if isinstance(namespaces, str) else list(namespaces)
    return allow("Metrics", "cloudwatch:PutMetricData", "*", {"StringLike": {"cloudwatch:namespace": namespace}})
