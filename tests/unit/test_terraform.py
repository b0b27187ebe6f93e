"""The Terraform runner: binary lookup, per-step logs, errors naming stack and step, timeouts that stop the child."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from mlzone.terraform.config import find_terraform, write_cli_config
from mlzone.terraform.errors import TerraformError, terraform_errors
from mlzone.terraform.runner import Terraform

pytestmark = pytest.mark.unit

ERROR_LOG = """aws_s3_bucket.data: Creating...
╷
│ Error: creating S3 Bucket (data): operation error S3: CreateBucket, StatusCode: 409, BucketAlreadyExists
│
│   with aws_s3_bucket.data,
│   on cdk.tf.json line 12, in resource.aws_s3_bucket.data:
╵
"""


def fake_terraform(tmp_path: Path, body: str) -> str:
    """An executable standing in for terraform (MLZONE_TERRAFORM), running a shell `body`."""
    path = tmp_path / "terraform"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture
def runner(tmp_path: Path) -> Terraform:
    stack = tmp_path / "cdktf.out" / "stacks" / "platform"
    stack.mkdir(parents=True)
    return Terraform(stack_dir=stack, cli_config=write_cli_config(tmp_path / ".mlzone", None), timeout=3)


def test_mlzone_terraform_overrides_path_and_a_missing_binary_says_how_to_fix(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MLZONE_TERRAFORM", fake_terraform(tmp_path, "exit 0"))
    assert find_terraform() == str(tmp_path / "terraform")
    monkeypatch.setenv("MLZONE_TERRAFORM", str(tmp_path / "missing"))
    with pytest.raises(TerraformError, match="MLZONE_TERRAFORM"):
        find_terraform()


def test_each_step_is_logged_per_stack_and_a_failure_names_stack_step_and_error(runner, tmp_path, monkeypatch) -> None:
    script = f"cat <<'EOF' >&2\n{ERROR_LOG}EOF\nexit 1"
    monkeypatch.setenv("MLZONE_TERRAFORM", fake_terraform(tmp_path, script))
    with pytest.raises(TerraformError) as failed:
        runner.run("apply", "-input=false")
    message = str(failed.value)
    assert message.startswith("stack platform, step apply: terraform apply failed")
    assert "Error: creating S3 Bucket (data)" in message and "BucketAlreadyExists" in message
    assert "Creating..." not in message, "only Terraform's error blocks, not the whole log"
    assert "BucketAlreadyExists" in (tmp_path / ".mlzone" / "logs" / "platform" / "apply.log").read_text()


def test_stdout_of_machine_readable_steps_is_returned_and_the_environment_is_set(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(
        "MLZONE_TERRAFORM",
        fake_terraform(tmp_path, 'echo "{\\"input\\": \\"$TF_INPUT\\", \\"cfg\\": \\"$TF_CLI_CONFIG_FILE\\"}"'),
    )
    shown = runner.run("show", "-json")
    assert shown.stdout.strip() == f'{{"input": "0", "cfg": "{runner.cli_config}"}}'


def test_a_step_over_its_timeout_is_stopped_with_its_children(runner, tmp_path, monkeypatch) -> None:
    pid_file = tmp_path / "child.pid"
    # terraform ignoring SIGINT, with a child process: both must be gone after the timeout
    monkeypatch.setenv(
        "MLZONE_TERRAFORM", fake_terraform(tmp_path, f"trap '' INT\nsleep 60 &\necho $! > {pid_file}\nwait")
    )
    monkeypatch.setattr("mlzone.terraform.children.GRACE_SECONDS", 1)
    with pytest.raises(TerraformError, match="timed out after 3s"):
        runner.run("apply")
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 10  # SIGKILL is delivered, not awaited: a loaded machine takes a moment
    while running(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running(child)


def running(pid: int) -> bool:
    """True unless the process is gone or a zombie (killed, not yet reaped by init)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] not in "ZX"
    except FileNotFoundError:
        return False


def test_terraform_errors_keeps_the_tail_when_there_is_no_error_block() -> None:
    log = "\n".join(f"line {i}" for i in range(40))
    assert terraform_errors(log).splitlines() == [f"line {i}" for i in range(20, 40)]


def test_terraform_errors_keeps_the_detail_after_the_blank_line_of_no_color_output() -> None:
    log = (
        "Initializing provider plugins...\n- Installing hashicorp/aws v5.100.0...\n\n"
        "Error: Failed to install provider\n\n"
        "Error while installing hashicorp/aws v5.100.0: failed to create directory\n/cache/linux_amd64: file exists\n"
    )
    assert terraform_errors(log).splitlines() == [
        "Error: Failed to install provider",
        "",
        "Error while installing hashicorp/aws v5.100.0: failed to create directory",
        "/cache/linux_amd64: file exists",
    ]
    assert len(terraform_errors(log + "Error: more\n" * 100).splitlines()) == 40
