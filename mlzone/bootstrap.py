"""`mlzone bootstrap`: the Terraform state bucket of the aws target, created with boto3, idempotently.

Versioned, encrypted with its own KMS key (`alias/<platform>-tfstate`, the key the S3 backend names),
public access blocked, TLS only.
Every call re-applies the settings, so running it again repairs drift and changes nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from modules.bucket_policy import deny_insecure_transport


def _state_key(kms: Any, alias: str, description: str) -> str:
    """The ARN of the key behind `alias`, created on first use."""
    try:
        return kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise
    arn = kms.create_key(Description=description)["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=arn)
    kms.create_alias(AliasName=alias, TargetKeyId=arn)
    return arn


def bootstrap_state_bucket(client: Callable[[str], Any], bucket: str, region: str, key_alias: str) -> list[str]:
    """Create or repair the state bucket and its KMS key (`key_alias`); return what was done, one line per step."""
    s3, done = client("s3"), []
    key_arn = _state_key(client("kms"), key_alias, f"mlzone Terraform state in s3://{bucket}")
    try:
        s3.head_bucket(Bucket=bucket)
        done.append(f"bucket {bucket} exists")
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=bucket, **location)
        done.append(f"bucket {bucket} created in {region}")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [deny_insecure_transport(bucket)],
            }
        ),
    )
    done += [
        "versioning enabled",
        f"default encryption aws:kms with {key_arn}",
        "public access blocked",
        "TLS-only bucket policy",
    ]
    return done
