"""Who writes records to the audit bucket, and where: the record prefixes (one record kind each, written by
mlzone/audit_record.py), the deploy identity and the approver roles, and the bucket and key policy
statements that let them write exactly those prefixes and never delete.

Pure data (no cdktf): mlzone/audit_record.py and the policy checks import it too.
"""

from __future__ import annotations

RECORD_PREFIXES = ("approvals/", "deployments/", "batch-runs/", "requests/", "erasures/")
TRAIL_PREFIX = "cloudtrail/"  # CloudTrail's own log files (its service principal writes them)
DEPLOY_ROLE = "mlzone-apply"  # the role `mlzone deploy` runs as in CI (docs/ci.md); it writes deploy records
APPROVER_PATH = "/mlzone-approval/"  # IAM path of every project's approver role (modules/approver_role.py)
DELETE_ACTIONS = ("s3:DeleteObject", "s3:DeleteObjectVersion")
RECORD_KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")  # write (and read back) SSE-KMS objects


def deploy_role_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{DEPLOY_ROLE}"


def approver_roles_pattern(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:role{APPROVER_PATH}*"


def record_arns(bucket: str) -> list[str]:
    """The objects under each record prefix of `bucket`."""
    return [f"arn:aws:s3:::{bucket}/{prefix}*" for prefix in RECORD_PREFIXES]


def bucket_statements(bucket: str, account_id: str) -> tuple[dict, ...]:
    """Audit bucket policy: the deploy identity puts objects under the record prefixes and nowhere else;
    nobody deletes an object or a version (Object Lock keeps versions; this stops delete markers too)."""
    deployer = {"AWS": deploy_role_arn(account_id)}
    return (
        {
            "Sid": "DeployWritesRecords",
            "Effect": "Allow",
            "Principal": deployer,
            "Action": "s3:PutObject",
            "Resource": record_arns(bucket),
        },
        {
            "Sid": "DeployWritesOnlyRecords",
            "Effect": "Deny",
            "Principal": deployer,
            "Action": "s3:PutObject",
            "NotResource": record_arns(bucket),
        },
        {
            "Sid": "NoRecordDeletes",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": list(DELETE_ACTIONS),
            "Resource": f"arn:aws:s3:::{bucket}/*",
        },
    )


def key_statement(account_id: str, region: str) -> dict:
    """Audit key policy: the deploy identity and the approver roles (with an IAM grant) may encrypt records
    through S3, nothing else."""
    return {
        "Sid": "RecordWritersThroughS3",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": list(RECORD_KEY_ACTIONS),
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": account_id, "kms:ViaService": f"s3.{region}.amazonaws.com"},
            "ArnLike": {"aws:PrincipalArn": [deploy_role_arn(account_id), approver_roles_pattern(account_id)]},
        },
    }
