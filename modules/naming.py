"""Physical names of project resources: `<project>--<resource>`, defined once.

Project and resource names never contain `--` (the spec refuses it) and never start or end with a
hyphen, so the first `--` of a physical name ends the project name: `fraud--*` matches every
resource of project `fraud` and none of `fraud-detection` (`fraud-detection--*`). Every IAM
pattern over project resources is built from `project_pattern`, every name from `project_name`.
The grammar of names (`NAME_RE`), S3 bucket names and project-relative S3 keys are checked here too,
so the spec layer and the constructs refuse the same values.
"""

from __future__ import annotations

import hashlib
import json
import re

from modules.text import excerpt

PLATFORM_STACK = "platform"  # the shared stack; no project may take its name
SELF_SERVICE_SUFFIX = "-self-service"  # `<project>-self-service`: a project's requests; no project name ends so
DELIMITER = "--"
NAME_RE = re.compile(r"[a-z][a-z0-9-]*[a-z0-9]")
NAME_FIX = "use lowercase letters, digits and single hyphens, starting with a letter (e.g. fraud-detection)"
BUCKET_NAME_MAX = 63  # S3
SAGEMAKER_NAME_MAX = 63  # SageMaker, EMR and EMR Serverless resource names
IAM_ROLE_NAME_MAX = 64
CONTENT_HASH_LEN = 8
CONTENT_SUFFIX_LEN = CONTENT_HASH_LEN + 1  # "-<hash>"


def project_name(project: str, *parts: str) -> str:
    """`<project>--<part>-<part>...`: the physical name of one resource of a project."""
    return f"{project}{DELIMITER}{'-'.join(parts)}" if parts else project


def self_service_stack_name(project: str) -> str:
    """`<project>-self-service`, the stack of the project's self-service requests."""
    return f"{project}{SELF_SERVICE_SUFFIX}"


def stack_reads(stack: str) -> tuple[str, ...]:
    """The stacks whose outputs `stack` reads (so they deploy before it): none for the platform, the platform for
    a project, the platform and its project for `<project>-self-service`."""
    if stack == PLATFORM_STACK:
        return ()
    if stack.endswith(SELF_SERVICE_SUFFIX):
        return (PLATFORM_STACK, stack.removesuffix(SELF_SERVICE_SUFFIX))
    return (PLATFORM_STACK,)


def content_name(base: str, content: dict) -> str:
    """`<base>-<hash>`: a name that changes whenever `content` (plain values, never tokens) does, for
    resources AWS cannot update in place and that must be replaced create-before-destroy."""
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:CONTENT_HASH_LEN]
    return f"{base}-{digest}"


def project_pattern(project: str) -> str:
    """An IAM/fnmatch pattern matching every physical name of `project`, and only those."""
    return f"{project}{DELIMITER}*"


def package_parts(arn: str) -> tuple[str, str]:
    """(model, version) of a model package version ARN (`…:model-package/<project>--<model>/<version>`)."""
    group, version = arn.rsplit("/", 2)[-2:]
    return group.split(DELIMITER, 1)[-1], version


BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def check_bucket_name(name: str) -> str:
    """Validate an S3 bucket name against the AWS general purpose bucket naming rules."""
    if not 3 <= len(name) <= BUCKET_NAME_MAX:
        raise ValueError(
            f"bucket name {excerpt(name)} is {len(name)} characters; "
            f"fix: shorten the platform name (max {BUCKET_NAME_MAX} in all)"
        )
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", name) or ".." in name:
        raise ValueError(f"bucket name {excerpt(name)} breaks S3 naming rules; fix: {NAME_FIX}")
    if re.fullmatch(r"[0-9]+(\.[0-9]+){3}", name):
        raise ValueError(f"bucket name {excerpt(name)} looks like an IP address; fix: use a name with letters")
    reserved = [p for p in BUCKET_RESERVED_PREFIXES if name.startswith(p)]
    reserved += [s for s in BUCKET_RESERVED_SUFFIXES if name.endswith(s)]
    if reserved:
        raise ValueError(
            f"bucket name {excerpt(name)} uses {reserved[0]!r}, which S3 reserves; fix: choose another name"
        )
    return name


RELATIVE_KEY_RE = re.compile(r"[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*/?")


def check_relative_key(value: str) -> str:
    """An S3 key or prefix relative to the project prefix (the project cannot escape its prefix)."""
    if len(value) > 512 or not RELATIVE_KEY_RE.fullmatch(value) or ".." in value.split("/"):
        raise ValueError(
            f"{excerpt(value)} is not a path inside the project prefix; "
            "fix: write a relative path such as code/score.py (no s3://, no leading /, no ..)"
        )
    return value
