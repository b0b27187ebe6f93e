"""Smoke checks with boto3 against what was deployed (read from each stack's Terraform state).

Buckets encrypted with our keys and private, the audit bucket locked, trails logging, notebooks
without direct internet access, endpoints InService with data capture on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from mlzone.clients import clients
from mlzone.workspace import Workspace, stack_state, state_resources


@dataclass(frozen=True)
class Check:
    """One line of the checklist."""

    stack: str
    name: str  # what was checked, e.g. "bucket encrypted with our key"
    resource: str  # the AWS name or id checked
    ok: bool
    detail: str = ""  # why it failed


def _key_ids(arns: set[str]) -> set[str]:
    """Key ARNs and their bare ids, so either form matches."""
    return arns | {a.rsplit("/", 1)[-1] for a in arns}


def _bucket_checks(
    client: Callable[[str], Any], bucket: str, keys: set[str], log_target: bool
) -> Iterator[tuple[str, bool, str]]:
    """Encryption (our KMS key; SSE-S3 for access-log targets, the only kind S3 log delivery writes to)
    and the public access block."""
    s3 = client("s3")
    name = "access-log bucket encrypted (SSE-S3)" if log_target else "bucket encrypted with our KMS key"
    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        sse = rules[0]["ApplyServerSideEncryptionByDefault"]
        ours = sse["SSEAlgorithm"] == "aws:kms" and sse.get("KMSMasterKeyID") in _key_ids(keys)
        ok = ours or (log_target and sse["SSEAlgorithm"] == "AES256")
        yield name, ok, "" if ok else f"default encryption is {sse}"
    except ClientError as exc:
        yield name, False, str(exc)
    try:
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        closed = all(block.values()) and len(block) == 4
        yield "bucket public access blocked", closed, "" if closed else f"public access block is {block}"
    except ClientError as exc:
        yield "bucket public access blocked", False, str(exc)


def _object_lock(client: Callable[[str], Any], bucket: str) -> tuple[bool, str]:
    try:
        conf = client("s3").get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    except ClientError as exc:
        return False, str(exc)
    on = conf.get("ObjectLockEnabled") == "Enabled" and "DefaultRetention" in conf.get("Rule", {})
    return on, "" if on else f"object lock is {conf}"


def _trail_logging(client: Callable[[str], Any], trail: str) -> tuple[bool, str]:
    status = client("cloudtrail").get_trail_status(Name=trail)
    return bool(status.get("IsLogging")), "" if status.get("IsLogging") else "trail is not logging"


def _notebook_private(client: Callable[[str], Any], name: str) -> tuple[bool, str]:
    nb = client("sagemaker").describe_notebook_instance(NotebookInstanceName=name)
    ok = nb.get("DirectInternetAccess") == "Disabled" and bool(nb.get("SubnetId"))
    return ok, "" if ok else f"DirectInternetAccess={nb.get('DirectInternetAccess')}, subnet={nb.get('SubnetId')}"


def _endpoint_serving(client: Callable[[str], Any], name: str) -> tuple[bool, str]:
    sm = client("sagemaker")
    ep = sm.describe_endpoint(EndpointName=name)
    config = sm.describe_endpoint_config(EndpointConfigName=ep["EndpointConfigName"])
    capture = config.get("DataCaptureConfig", {}).get("EnableCapture", False)
    ok = ep["EndpointStatus"] == "InService" and capture
    return ok, "" if ok else f"status {ep['EndpointStatus']}, data capture {'on' if capture else 'off'}"


def verify_resources(
    stack: str, resources: list[dict[str, Any]], client: Callable[[str], Any], our_keys: set[str]
) -> list[Check]:
    """Checks for one stack's managed resources (`terraform show -json` entries)."""
    checks: list[Check] = []

    def add(name: str, resource: str, result: tuple[bool, str]) -> None:
        checks.append(Check(stack, name, resource, *result))

    locked = {r["values"]["bucket"] for r in resources if r["type"] == "aws_s3_bucket_object_lock_configuration"}
    log_targets = {r["values"]["target_bucket"] for r in resources if r["type"] == "aws_s3_bucket_logging"}
    for r in resources:
        values, kind = r["values"], r["type"]
        try:
            if kind == "aws_s3_bucket":
                for name, ok, detail in _bucket_checks(
                    client, values["bucket"], our_keys, values["bucket"] in log_targets
                ):
                    add(name, values["bucket"], (ok, detail))
                if values["bucket"] in locked:
                    add("audit bucket object lock on", values["bucket"], _object_lock(client, values["bucket"]))
            elif kind == "aws_cloudtrail":
                add("trail logging", values["name"], _trail_logging(client, values["arn"]))
            elif kind == "aws_sagemaker_notebook_instance":
                add("notebook without direct internet", values["name"], _notebook_private(client, values["name"]))
            elif kind == "aws_sagemaker_endpoint":
                add("endpoint InService with data capture", values["name"], _endpoint_serving(client, values["name"]))
        except ClientError as exc:
            add(f"{kind} readable", r["address"], (False, str(exc)))
    return checks


def kms_key_arns(resources: list[dict[str, Any]]) -> set[str]:
    """ARNs of the KMS keys a stack manages (the platform's keys are 'our keys')."""
    return {r["values"]["arn"] for r in resources if r["type"] == "aws_kms_key"}


def verify_workspace(ws: Workspace) -> list[Check]:
    """Every check for every synthesized stack that has state; 'our keys' are the platform's keys."""
    states = {stack: state_resources(stack_state(ws, stack)) for stack in ws.stacks()}
    our_keys = set().union(*(kms_key_arns(resources) for resources in states.values()))
    client = clients(ws.region, ws.emulator_url or None)
    return [
        check for stack, resources in states.items() for check in verify_resources(stack, resources, client, our_keys)
    ]
