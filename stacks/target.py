"""Where stacks deploy (the local emulator or AWS) and what each target needs; `stacks.provider` applies it.

Two targets:
- `local`: a moto emulator on loopback. Test credentials, `max_retries=2` (moto answers unimplemented
  calls with HTTP 500 that the SDK would otherwise retry for many minutes), every service endpoint
  pointed at the Terraform variable `emulator_url` (the CLI passes the live port as
  `TF_VAR_emulator_url`), and a local backend under the project folder (`.mlzone/state/`).
- `aws`: the standard credential chain, and an S3 backend with native lock files (`use_lockfile`).

This module does not import cdktf, so a target is checked with the specs before the bindings load.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal, cast, get_args

from modules.layout import LOCAL_STATE_FROM_STACK
from stacks.spec import PlatformSpec, SpecError

TargetKind = Literal["local", "aws"]
# moto's default account: the emulator answers every call as this account, so the local target's ARNs name it.
MOTO_ACCOUNT_ID = "123456789012"
DEFAULT_EMULATOR_URL = "http://127.0.0.1:4566"
# Every service any mlzone module uses; all point at the emulator on the local target.
EMULATED_SERVICES = (
    "applicationautoscaling",
    "athena",
    "budgets",
    "cloudtrail",
    "cloudwatch",
    "cloudwatchlogs",
    "ec2",
    "ecr",
    "emr",
    "emrserverless",
    "events",
    "glue",
    "iam",
    "kms",
    "s3",
    "sagemaker",
    "scheduler",
    "sns",
    "sts",
)
# Relative to the stack's working directory (cdktf.out/stacks/<stack>/), so no absolute path is synthesized.
LOCAL_STATE_DIR = LOCAL_STATE_FROM_STACK


@dataclass(frozen=True, kw_only=True)
class Target:
    """Deployment target of every stack in an app."""

    kind: TargetKind = "local"
    """`local`: the emulator (the default); `aws`: deploys for real."""

    @staticmethod
    def named(kind: str, source: str = "--target") -> Target:
        """The target called `kind`; a SpecError naming `source` and the value when it is not one."""
        if kind not in get_args(TargetKind):
            raise SpecError(f"{source}={kind!r} is not a target; fix: set it to local or aws")
        return Target(kind=cast(TargetKind, kind))

    @staticmethod
    def from_env() -> Target:
        """`MLZONE_TARGET=local|aws` (default local), so `cdktf synth` and our CLI agree."""
        return Target.named(os.environ.get("MLZONE_TARGET", "local"), "MLZONE_TARGET")

    def account_id(self, platform: PlatformSpec) -> str:
        """The account resources live in (moto's fixed account on the local target)."""
        if self.kind == "local":
            return MOTO_ACCOUNT_ID
        if platform.account_id is None:
            raise SpecError(
                "platform.yaml: account_id is required for --target aws; fix: add account_id: '<12 digits>'"
            )
        return platform.account_id

    def state_bucket(self, platform: PlatformSpec) -> str:
        """The S3 bucket of the Terraform state (aws target only)."""
        if platform.state_bucket is None:
            raise SpecError("platform.yaml: state_bucket is required for --target aws; fix: add state_bucket: <name>")
        return platform.state_bucket

    def require(self, platform: PlatformSpec) -> None:
        """Raise SpecError when `platform` lacks what this target needs (aws: account_id and state_bucket).

        Checked with the specs, before cdktf is imported (`mlzone.synth`)."""
        if self.kind == "aws":
            self.account_id(platform)
            self.state_bucket(platform)


def state_key_alias(platform: PlatformSpec) -> str:
    """KMS alias encrypting Terraform state on the aws target (`mlzone bootstrap` creates it)."""
    return f"alias/{platform.name}-tfstate"
