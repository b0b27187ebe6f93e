"""The immutable audit store: an Object-Locked, KMS-encrypted bucket fed by a multi-region CloudTrail,
plus the bucket that receives S3 server access logs of every mlzone bucket."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudtrail import Cloudtrail
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from constructs import Construct

from modules.audit_writers import TRAIL_PREFIX, bucket_statements
from modules.bucket import Bucket, BucketProps, ObjectLock
from modules.grants import grant_log_streams
from modules.service_role import ServiceRole, ServiceRoleProps
from modules.settings import AuditSettings, check_limits
from modules.waivers import waive

ACCESS_LOG_SSE_REASON = "S3 server access logging can only deliver to SSE-S3 buckets (AWS limitation)"
ACCESS_LOG_NO_LOGS_REASON = "this is the access-log bucket; logging it into itself would loop"


def trail_arn(prefix: str, region: str, account_id: str) -> str:
    """ARN of the platform trail (`<prefix>-audit`), known before the trail exists (the audit key names it)."""
    return f"arn:aws:cloudtrail:{region}:{account_id}:trail/{prefix}-audit"


@dataclass(frozen=True, kw_only=True)
class AuditStorageProps(AuditSettings):
    """Audit logs are write-once: COMPLIANCE lock for seven years by default (`AuditSettings`)."""

    prefix: str
    """Platform name; names the trail."""
    audit_bucket_name: str
    """The locked bucket CloudTrail writes to."""
    access_log_bucket_name: str
    """Receives S3 access logs of all platform buckets."""
    audit_key_arn: str
    """KMS key for the trail and the audit bucket."""
    logs_key_arn: str
    """KMS key of the trail's CloudWatch log group (alerting on API activity)."""
    account_id: str
    """Trail delivery is restricted to this account."""
    region: str
    """Home region of the trail."""
    allow_governance_mode_reason: str | None = None
    """Opt-out: waives CKV_MLZ_6 (mode) on the audit bucket only."""
    trail_log_retention_days: int = 365
    """The CloudWatch copy of the trail; the bucket keeps the evidence."""

    def __post_init__(self) -> None:
        check_limits(f"audit storage {self.prefix}", self)


class AuditStorage(Construct):
    """Outputs: `name`, `arn` (the audit bucket), `access_log_bucket_name`, `trail_arn`."""

    def __init__(self, scope: Construct, id: str, props: AuditStorageProps) -> None:
        super().__init__(scope, id)
        trail = trail_arn(props.prefix, props.region, props.account_id)
        log_arn = f"arn:aws:s3:::{props.access_log_bucket_name}"
        self.access_logs = Bucket(
            self,
            "access-logs",
            BucketProps(
                name=props.access_log_bucket_name,
                kms_key_arn=None,
                access_log_bucket=None,
                allow_sse_s3_reason=ACCESS_LOG_SSE_REASON,
                allow_no_access_logs_reason=ACCESS_LOG_NO_LOGS_REASON,
                expire_after_days=props.retention_days,
                policy_statements=(
                    {
                        "Sid": "S3ServerAccessLogsDelivery",
                        "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"{log_arn}/*",
                        "Condition": {"StringEquals": {"aws:SourceAccount": props.account_id}},
                    },
                ),
            ),
        )
        waive(self.access_logs, ACCESS_LOG_SSE_REASON, "CKV_MLZ_1", "CKV_MLZ_26")
        waive(self.access_logs, ACCESS_LOG_NO_LOGS_REASON, "CKV_AWS_18")
        # Read through the policy, so every bucket logging into it is configured after the delivery grant.
        self.access_log_bucket_name = self.access_logs.policy.bucket
        audit_arn = f"arn:aws:s3:::{props.audit_bucket_name}"
        self.audit = Bucket(
            self,
            "audit",
            BucketProps(
                name=props.audit_bucket_name,
                kms_key_arn=props.audit_key_arn,
                access_log_bucket=self.access_log_bucket_name,
                object_lock=ObjectLock(mode=props.lock_mode, days=props.retention_days),
                policy_statements=(
                    {
                        "Sid": "CloudTrailAclCheck",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Action": "s3:GetBucketAcl",
                        "Resource": audit_arn,
                        "Condition": {"StringEquals": {"aws:SourceArn": trail}},
                    },
                    {
                        "Sid": "CloudTrailWrite",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"{audit_arn}/{TRAIL_PREFIX}AWSLogs/{props.account_id}/*",
                        "Condition": {"StringEquals": {"aws:SourceArn": trail}},
                    },
                    *bucket_statements(props.audit_bucket_name, props.account_id),
                ),
            ),
        )
        if props.lock_mode != "COMPLIANCE":
            waive(self.audit, props.allow_governance_mode_reason, "CKV_MLZ_6")
        # A CloudWatch Logs copy of the trail, so metric filters and alarms can watch API activity.
        log_group = CloudwatchLogGroup(
            self,
            "trail-logs",
            name=f"/mlzone/{props.prefix}/cloudtrail",
            kms_key_id=props.logs_key_arn,
            retention_in_days=props.trail_log_retention_days,
        )
        role = ServiceRole(
            self,
            "trail-logs-",
            ServiceRoleProps(
                name=f"{props.prefix}-cloudtrail-logs",
                service="cloudtrail.amazonaws.com",
                account_id=props.account_id,
                policy_name="write-trail-logs",
                statements=(grant_log_streams(None, log_group.arn),),
            ),
        )
        self.trail = Cloudtrail(
            self,
            "trail",
            name=trail.rsplit("/", 1)[1],
            s3_bucket_name=self.audit.name,
            s3_key_prefix=TRAIL_PREFIX.rstrip("/"),
            kms_key_id=props.audit_key_arn,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            depends_on=[self.audit.policy, role.policy],
            cloud_watch_logs_group_arn=f"{log_group.arn}:*",
            cloud_watch_logs_role_arn=role.arn,
        )
        self.name = self.audit.name
        self.arn = self.audit.arn
        self.trail_arn = self.trail.arn
