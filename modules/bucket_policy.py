"""Bucket policy statements every mlzone bucket carries, whoever creates it (a construct or `mlzone bootstrap`)."""

from __future__ import annotations


def deny_insecure_transport(bucket: str) -> dict:
    """Deny every S3 request to `bucket` and its objects that is not made over TLS."""
    arn = f"arn:aws:s3:::{bucket}"
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
