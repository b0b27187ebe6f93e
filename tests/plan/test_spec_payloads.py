"""A real `terraform plan -refresh=false` of the example zone with template payloads in a spec's
free text (issue 9 section 1): Terraform must not evaluate them, and the saved plan files (what the CI
template uploads as the `mlzone-plan` artifact, see docs/ci.md) must hold neither the credentials
nor the environment of the process that planned.

The planning process runs with fake `AWS_*` credentials and a canary variable set to recognizable
values; every file saved under `.mlzone/plans/<stack>/` (and every member of the `tfplan` zip) is
searched for them and for any `NAME=value` pair of the environment, the form `/proc/self/environ`
would leak it in.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from cdktf import TerraformOutput

from mlzone.terraform.runner import Terraform
from stacks.app import build_app
from stacks.spec import load_zone
from stacks.target import LOCAL_STATE_DIR, Target
from tests.plan.test_project_plan import fake_platform_outputs, write_platform_state

pytestmark = pytest.mark.plan
ROOT = Path(__file__).resolve().parents[2]
# If Terraform evaluated them, the first two would put the host name and the environment into the
# plan, the third would read "evaluated", and the last one would fail the plan (no such file).
PAYLOADS = (
    '${file("/etc/hostname")}',
    '${file("/proc/self/environ")}',
    "%{ if true }evaluated%{ endif }",
    '${file("/nonexistent/mlzone-payload")}',
)
CANARY = {
    "AWS_ACCESS_KEY_ID": "AKIAMLZONECANARY0042",
    "AWS_SECRET_ACCESS_KEY": "mlzone-canary-secret-access-key-0042",
    "AWS_SESSION_TOKEN": "mlzone-canary-session-token-0042",
    "MLZONE_CANARY": "mlzone-canary-environment-value-0042",
}
STACKS = ("platform", "fraud-detection")


@pytest.fixture(scope="module")
def saved_plans(tf_cli_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example zone, fraud-detection's batch job given payload arguments, planned as `mlzone plan`
    lays plans out (`.mlzone/plans/<stack>/{cdk.tf.json,tfplan,plan.json}`); returns `.mlzone/plans`."""
    root = tmp_path_factory.mktemp("payload-zone")
    shutil.copy(ROOT / "platform.yaml", root)
    shutil.copytree(ROOT / "projects", root / "projects")
    spec_file = root / "projects" / "fraud-detection.yaml"
    spec = yaml.safe_load(spec_file.read_text())
    spec["batch_jobs"][0]["arguments"] = ["--note", *PAYLOADS]
    spec["batch_jobs"][0]["entry_point"] = "code/own.py"  # extra arguments go to a team's own script only
    spec["batch_jobs"][0]["version"] = 1  # a job schedules runs only once it names a version
    spec_file.write_text(yaml.safe_dump(spec))
    zone = load_zone(root)
    app = build_app(zone, Target(kind="local"), outdir=str(root / "cdktf.out"))
    # The schedule's input embeds ids known only after apply, so the plan cannot show it; an output
    # of the same spec value (known at plan time) shows what Terraform makes of it.
    project = next(p for p in zone.projects if p.name == "fraud-detection")
    TerraformOutput(
        app.node.find_child("fraud-detection"), "payload_probe", value=list(project.batch_jobs[0].arguments)
    )
    app.synth()
    stacks = root / "cdktf.out" / "stacks"
    state = (stacks / "platform" / LOCAL_STATE_DIR / "platform.tfstate").resolve()
    write_platform_state(state, fake_platform_outputs(zone.platform, Target(kind="local").account_id(zone.platform)))
    plans = root / ".mlzone" / "plans"
    with pytest.MonkeyPatch.context() as env:
        for key, value in CANARY.items():
            env.setenv(key, value)
        for stack in STACKS:
            folder = plans / stack
            folder.mkdir(parents=True)
            shutil.copy(stacks / stack / "cdk.tf.json", folder)
            tf = Terraform(stack_dir=stacks / stack, cli_config=tf_cli_config, log_dir=root / ".mlzone" / "logs")
            tf.init()
            tf.plan(folder / "tfplan", refresh=False)
    return plans


def test_terraform_does_not_evaluate_spec_text(saved_plans: Path):
    plan = json.loads((saved_plans / "fraud-detection" / "plan.json").read_text())
    assert plan["planned_values"]["outputs"]["payload_probe"]["value"] == ["--note", *PAYLOADS]
    (schedule,) = [rc for rc in plan["resource_changes"] if rc["type"] == "aws_scheduler_schedule"]
    assert schedule["change"]["actions"] == ["create"]  # planned, not failed on the missing file


def saved_texts(plans: Path):
    """(name, text) of every saved plan file, and of every member of each tfplan zip."""
    for path in sorted(p for p in plans.rglob("*") if p.is_file()):
        data = path.read_bytes()
        yield str(path), data.decode("utf-8", "replace")
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    yield f"{path}!{member}", archive.read(member).decode("utf-8", "replace")


def test_saved_plans_hold_no_credentials_and_no_environment(saved_plans: Path):
    files = list(saved_texts(saved_plans))
    assert {Path(name).name for name, _ in files} >= {"cdk.tf.json", "tfplan", "plan.json"}
    pairs = [f"{k}={v}" for k, v in os.environ.items() if len(v) >= 8] + [f"{k}={v}" for k, v in CANARY.items()]
    for name, text in files:
        leaked = [v for v in CANARY.values() if v in text] + [p.split("=")[0] for p in pairs if p in text]
        assert not leaked, f"{name} holds {leaked}"
