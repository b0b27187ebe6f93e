"""The AWS provider and the Terraform backend of one stack, as its target (`stacks.target`) says."""

from __future__ import annotations

from cdktf import LocalBackend, S3Backend, TerraformStack, TerraformVariable
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderEndpoints

from stacks.spec import PlatformSpec
from stacks.target import DEFAULT_EMULATOR_URL, EMULATED_SERVICES, LOCAL_STATE_DIR, Target, state_key_alias


def configure(stack: TerraformStack, target: Target, platform: PlatformSpec, stack_name: str) -> None:
    """Add the AWS provider and the backend for `stack_name` to `stack`."""
    if target.kind == "local":
        url = TerraformVariable(
            stack,
            "emulator_url",
            type="string",
            default=DEFAULT_EMULATOR_URL,
            description="Base URL of the local AWS emulator (set by `mlzone` as TF_VAR_emulator_url).",
        ).string_value
        # The provider needs the account id (e.g. for Athena workgroup ARNs); the emulator answers
        # the STS lookup. Plans made with no emulator at all (tests, CI) set TF_VAR_offline=true.
        offline = TerraformVariable(
            stack,
            "offline",
            type="bool",
            default=False,
            description="Plan without any AWS or emulator call (skips the account lookup); never apply such a plan.",
        ).boolean_value
        AwsProvider(
            stack,
            "aws",
            region=platform.region,
            access_key="test",
            secret_key="test",
            skip_credentials_validation=True,
            skip_requesting_account_id=offline,
            skip_metadata_api_check="true",
            s3_use_path_style=True,
            max_retries=2,
            endpoints=[AwsProviderEndpoints(**{svc: url for svc in EMULATED_SERVICES})],
        )
        LocalBackend(stack, path=f"{LOCAL_STATE_DIR}/{stack_name}.tfstate")
        return
    account, bucket = target.account_id(platform), target.state_bucket(platform)
    AwsProvider(stack, "aws", region=platform.region, allowed_account_ids=[account])
    S3Backend(
        stack,
        bucket=bucket,
        key=f"mlzone/{stack_name}.tfstate",
        region=platform.region,
        encrypt=True,
        kms_key_id=state_key_alias(platform),
    )
    # Terraform >= 1.10 locks with a lock file next to the state; cdktf 0.21 has no binding for it.
    stack.add_override("terraform.backend.s3.use_lockfile", True)
