"""The stacks of one wave run `terraform init` and `plan` at the same time against one plugin cache."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mlzone.terraform.config import AWS_PROVIDER, AWS_PROVIDER_VERSION, find_mirror, write_cli_config
from mlzone.terraform.runner import Terraform

pytestmark = pytest.mark.plan

REQUIRED = {"terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": AWS_PROVIDER_VERSION}}}}


def stack(root: Path, name: str, config: Path) -> Terraform:
    folder = root / "cdktf.out" / "stacks" / name
    folder.mkdir(parents=True)
    (folder / "cdk.tf.json").write_text(json.dumps(REQUIRED))
    return Terraform(stack_dir=folder, cli_config=config, timeout=300)


def test_concurrent_inits_into_one_empty_plugin_cache_all_succeed(tmp_path: Path) -> None:
    # Unlocked, 2 rounds in 8 failed here with "mkdir <cache>/…/linux_amd64: file exists".
    for round_ in range(10):
        root = tmp_path / f"round-{round_}"
        config = write_cli_config(root / ".mlzone", find_mirror())
        stacks = [stack(root, name, config) for name in ("platform", "churn", "fraud-detection")]
        with ThreadPoolExecutor(len(stacks)) as pool:
            list(pool.map(Terraform.init, stacks))
        for tf in stacks:
            assert (tf.stack_dir / ".terraform" / "providers" / AWS_PROVIDER / AWS_PROVIDER_VERSION).is_dir()


def test_a_later_init_links_the_cached_provider_and_leaves_the_cache_entry_alone(tmp_path: Path) -> None:
    # The entry is what the other stacks' running plans read their provider through: replaced under them, a plan
    # failed with "there is no package for registry.terraform.io/hashicorp/aws 5.100.0 cached in .terraform/providers".
    config = write_cli_config(tmp_path / ".mlzone", find_mirror())
    first, second = (stack(tmp_path, name, config) for name in ("platform", "fraud-detection"))
    first.init()
    entry = config.parent / "plugin-cache" / AWS_PROVIDER / AWS_PROVIDER_VERSION
    before = {p.name: os.lstat(p).st_mtime_ns for p in entry.iterdir()}
    second.init()
    assert {p.name: os.lstat(p).st_mtime_ns for p in entry.iterdir()} == before
    assert "Using hashicorp/aws v5.100.0 from the shared cache directory" in second.log_path("init").read_text()
