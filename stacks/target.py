"""Where stacks deploy: the AWS provider and the Terraform backend, configured in one place.

Two targets:
- `local`: a moto emulator on loopback. Test credentials, `max_retries=2` (moto answers unimplemented
  calls with HTTP 500 that the SDK would otherwise retry for many minutes), every service endpoint
  pointed at the Terraform variable `emulator_url` (the CLI passes the live port as
  `TF_VAR_emulator_url`), and a local backend under the project folder (`.mlzone/state/`).
- `aws`: the standard credential chain, and an S3 backend with native lock files (`use_lockfile`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from cdktf import LocalBackend, S3Backend, TerraformStack, TerraformVariable
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderEndpoints

from stacks.spec import MOTO_ACCOUNT_ID, PlatformSpec, SpecError

TargetKind = Literal["local", "aws"]
DEFAULT_EMULATOR_URL = "http://127.0.0.1:4566"
# Every service any mlzone module uses; all point at the emulator on the local target.
EMULATED_SERVICES = (
    "applicationautoscaling", "athena", "cloudtrail", "cloudwatch", "cloudwatchlogs", "ec2", "ecr", "emr",
    "emrserverless", "events", "glue", "iam", "kms", "s3", "sagemaker", "scheduler", "sts",
)
# Relative to the stack's working directory (cdktf.out/stacks/<stack>/), so no absolute path is synthesized.
LOCAL_STATE_DIR = "../../../.mlzone/state"


@dataclass(frozen=True, kw_only=True)
class Target:
    """Deployment target of every stack in an app."""

    kind: TargetKind = "local"  # local emulator by default; `aws` deploys for real

    @staticmethod
    def from_env() -> Target:
        """`MLZONE_TARGET=local|aws` (default local), so `cdktf synth` and our CLI agree."""
        kind = os.environ.get("MLZONE_TARGET", "local")
        if kind not in ("local", "aws"):
            raise SpecError(f"MLZONE_TARGET={kind!r} is not a target; fix: set it to local or aws")
        return Target(kind=kind)  # type: ignore[arg-type]

    def account_id(self, platform: PlatformSpec) -> str:
        """The account resources live in (moto's fixed account on the local target)."""
        if self.kind == "local":
            return MOTO_ACCOUNT_ID
        if platform.account_id is None:
            raise SpecError("platform.yaml: account_id is required for --target aws; fix: add account_id: '<12 digits>'")
        return platform.account_id

    def configure(self, stack: TerraformStack, platform: PlatformSpec, stack_name: str) -> None:
        """Add the AWS provider and the backend for `stack_name` to `stack`."""
        if self.kind == "local":
            url = TerraformVariable(
                stack, "emulator_url", type="string", default=DEFAULT_EMULATOR_URL,
                description="Base URL of the local AWS emulator (set by `mlzone` as TF_VAR_emulator_url).",
            ).string_value
            # The provider needs the account id (e.g. for Athena workgroup ARNs); the emulator answers
            # the STS lookup. Plans made with no emulator at all (tests, CI) set TF_VAR_offline=true.
            offline = TerraformVariable(
                stack, "offline", type="bool", default=False,
                description="Plan without any AWS or emulator call (skips the account lookup); never apply such a plan.",
            ).boolean_value
            AwsProvider(
                stack, "aws", region=platform.region, access_key="test", secret_key="test",
                skip_credentials_validation=True, skip_requesting_account_id=offline,
                skip_metadata_api_check="true", s3_use_path_style=True, max_retries=2,
                endpoints=[AwsProviderEndpoints(**{svc: url for svc in EMULATED_SERVICES})],
            )
            LocalBackend(stack, path=f"{LOCAL_STATE_DIR}/{stack_name}.tfstate")
            return
        account = self.account_id(platform)
        if platform.state_bucket is None:
            raise SpecError("platform.yaml: state_bucket is required for --target aws; fix: add state_bucket: <name>")
        AwsProvider(stack, "aws", region=platform.region, allowed_account_ids=[account])
        S3Backend(
            stack, bucket=platform.state_bucket, key=f"mlzone/{stack_name}.tfstate", region=platform.region,
            encrypt=True, kms_key_id=state_key_alias(platform),
        )
        # Terraform >= 1.10 locks with a lock file next to the state; cdktf 0.21 has no binding for it.
        stack.add_override("terraform.backend.s3.use_lockfile", True)


def state_key_alias(platform: PlatformSpec) -> str:
    """KMS alias encrypting Terraform state on the aws target (`mlzone bootstrap` creates it)."""
    return f"alias/{platform.name}-tfstate"
