"""Regenerate the plan-JSON policy fixtures with a real `terraform plan` (offline, provider mirror).

    python tests/policies/make_plan_fixtures.py [check-folder ...]

For each `fixtures/<check>/<name>.tf.json` it plans the resources with test credentials
(`-refresh=false`, no AWS needed) and writes `fixtures/<check>/<name>_plan.json`. Fixtures that
Terraform itself rejects (e.g. a KMS deletion window of 5 days) stay synth-only; the script says so.
A `<name>.tfstate` beside it is the prior state, so the plan deletes what the state has and the
configuration lacks, and replaces what changed a force-new argument (the change-rule fixtures).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from mlzone.terraform.config import find_mirror, write_cli_config
from mlzone.terraform.errors import TerraformError
from mlzone.terraform.runner import Terraform

FIXTURES = Path(__file__).parent / "fixtures"
PROVIDER = {
    "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": "5.100.0"}}},
    "provider": {
        "aws": [
            {
                "region": "eu-west-1",
                "access_key": "test",
                "secret_key": "test",
                "skip_credentials_validation": True,
                "skip_requesting_account_id": True,
                "skip_metadata_api_check": "true",
            }
        ]
    },
}


def plan_fixture(source: Path, cli_config: Path) -> Path | None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(source, work / "main.tf.json")
        if prior_state(source).is_file():
            shutil.copy(prior_state(source), work / "terraform.tfstate")
        (work / "provider.tf.json").write_text(json.dumps(PROVIDER))
        tf = Terraform(stack_dir=work, cli_config=cli_config, timeout=300)
        try:
            tf.init()
            plan = json.loads(tf.plan(refresh=False).read_text())
        except TerraformError as exc:
            print(f"skip {source.relative_to(FIXTURES)}: terraform rejects it ({str(exc).splitlines()[-1][:120]})")
            return None
    target = source.with_name(source.name.removesuffix(".tf.json") + "_plan.json")
    target.write_text(json.dumps(plan, indent=1, sort_keys=True) + "\n")
    return target


def prior_state(source: Path) -> Path:
    return source.with_name(source.name.removesuffix(".tf.json") + ".tfstate")


def main(names: list[str]) -> None:
    cli_config = write_cli_config(Path(tempfile.mkdtemp(prefix="mlzone-fixtures-")), find_mirror())
    folders = [FIXTURES / n for n in names] if names else sorted(p for p in FIXTURES.iterdir() if p.is_dir())
    for folder in folders:
        for source in sorted(folder.glob("*.tf.json")):
            written = plan_fixture(source, cli_config)
            if written:
                print(f"wrote {written.relative_to(FIXTURES)}")


if __name__ == "__main__":
    main(sys.argv[1:])
