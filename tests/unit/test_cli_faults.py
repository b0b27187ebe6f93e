"""Faults around a command: Ctrl-C while Terraform runs, a second command in the same zone, an unreadable
local state, and the jsii runtime's exit after Ctrl-C. Terraform is a fake script here (MLZONE_TERRAFORM);
tests/e2e/test_faults.py repeats the important ones against real Terraform on the emulator."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlzone.emulator import Emulator
from mlzone.plans import StackPlan
from mlzone.terraform import children
from mlzone.terraform.children import interrupt_all
from mlzone.terraform.config import write_cli_config
from mlzone.terraform.errors import TerraformInterrupted
from mlzone.terraform.runner import Terraform
from mlzone.workspace import StateError, Workspace, read_state
from mlzone.zonelock import LOCK_FILE
from tests.conftest import ROOT

pytestmark = pytest.mark.unit
runner = CliRunner()

# Plans one create per stack; the platform applies at once, a project's apply runs until interrupted and
# then answers like Terraform does (it acknowledges, shuts down gracefully, exits 1).
FAKE_TERRAFORM = """#!/bin/sh
case "$1" in
  plan) for a in "$@"; do case "$a" in -out=*) : > "${a#-out=}";; esac; done ;;
  show) echo '{"resource_changes": [{"address": "aws_s3_bucket.a", "type": "aws_s3_bucket",
        "change": {"actions": ["create"]}}]}' ;;
  apply)
    [ "$(basename "$PWD")" = platform ] && exit 0
    trap 'echo "Interrupt received."; echo "Gracefully shutting down..."; exit 1' INT
    : > applying
    sleep 60 & wait
    ;;
esac
exit 0
"""


def zone(tmp_path: Path, stacks: tuple[str, ...] = ("platform", "churn", "fraud")) -> Path:
    """A zone folder with synthesized (empty) stacks, as `mlzone synth` leaves it."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "platform.yaml").write_text("name: acme-ml\nregion: eu-west-1\n")
    for stack in stacks:
        (tmp_path / "cdktf.out" / "stacks" / stack).mkdir(parents=True)
        (tmp_path / "cdktf.out" / "stacks" / stack / "cdk.tf.json").write_text('{"resource": {}}')
    return tmp_path


def fake_terraform(tmp_path: Path, body: str) -> str:
    path = tmp_path / "terraform"
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_ctrl_c_interrupts_every_running_terraform_at_once_and_says_what_happened(tmp_path: Path) -> None:
    root = zone(tmp_path / "zone")
    env = {**os.environ, "MLZONE_TERRAFORM": fake_terraform(tmp_path, FAKE_TERRAFORM), "MLZONE_GATE": "report-only"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlzone", "deploy", "--no-synth", "--ephemeral", "--root", str(root)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    markers = [root / "cdktf.out" / "stacks" / s / "applying" for s in ("churn", "fraud")]
    deadline = time.monotonic() + 120
    while not all(m.exists() for m in markers):
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "the project applies never started"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends to mlzone's process group
    started = time.monotonic()
    output, _ = proc.communicate(timeout=30)  # before the fix the pool waited for Terraform (60 s)
    assert time.monotonic() - started < children.GRACE_SECONDS, "Terraform was interrupted at once"
    assert proc.returncode == 130, output
    text = " ".join(output.split())
    for stack in ("churn", "fraud"):
        assert f"stack {stack}: apply interrupted; Terraform stopped gracefully" in text and "saved the state" in text
    assert "stack platform: applied before the interrupt" in text
    assert "re-run the same command to converge" in text
    assert "Traceback" not in output and "Exception ignored" not in output
    assert not (root / ".mlzone" / "emulator.json").exists()


def test_terraform_that_ignores_the_interrupt_is_killed_and_the_message_says_so(tmp_path: Path, monkeypatch) -> None:
    stack = tmp_path / "cdktf.out" / "stacks" / "platform"
    stack.mkdir(parents=True)
    monkeypatch.setenv("MLZONE_TERRAFORM", fake_terraform(tmp_path, "#!/bin/sh\ntrap '' INT\nsleep 60 & wait\n"))
    monkeypatch.setattr(children, "GRACE_SECONDS", 1)
    tf = Terraform(stack_dir=stack, cli_config=write_cli_config(tmp_path / ".mlzone", None))
    raised: list[BaseException] = []
    worker = threading.Thread(target=lambda: _catch(raised, lambda: tf.apply("tfplan")))
    worker.start()
    while not children._LIVE:
        time.sleep(0.05)
    try:
        stopped = interrupt_all()
        worker.join(10)
        assert [s.killed for s in stopped] == [True]
        assert "did not stop within" in stopped[0].describe() and "stay locked" in stopped[0].describe()
        assert isinstance(raised[0], TerraformInterrupted)
        with pytest.raises(TerraformInterrupted, match="not started"):  # nothing starts after Ctrl-C
            tf.init()
    finally:
        children.clear_interrupt()


def _catch(raised: list[BaseException], work) -> None:
    try:
        work()
    except BaseException as exc:  # noqa: BLE001 - the test inspects it
        raised.append(exc)


def test_a_second_command_in_the_zone_is_refused_at_once_naming_the_first(tmp_path: Path) -> None:
    root = zone(tmp_path)
    state = root / ".mlzone" / "state" / "platform.tfstate"
    state.parent.mkdir(parents=True)
    state.write_text('{"version": 4, "lineage": "l", "serial": 3}')
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from pathlib import Path; from mlzone.zonelock import zone_lock\n"
                f"with zone_lock(Path({str(root / '.mlzone')!r}), 'mlzone deploy', 'local'):\n"
                "    print('held', flush=True); time.sleep(60)"
            ),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        record = json.loads((root / ".mlzone" / LOCK_FILE).read_text())
        for command in (["deploy", "--no-synth"], ["plan", "--no-synth"], ["destroy"], ["stop"], ["synth"]):
            started = time.monotonic()
            result = runner.invoke(app(), [*command, "--root", str(root)])
            assert result.exit_code == 1, result.output
            assert time.monotonic() - started < 5, "refused at once"
            message = " ".join(result.output.split())
            assert f"pid {holder.pid}, `mlzone deploy` (target local), started {record['started']}" in message
        assert state.read_text() == '{"version": 4, "lineage": "l", "serial": 3}', "the state is untouched"
        assert not (root / ".mlzone" / "logs").exists(), "no emulator was started"
    finally:
        holder.kill()
        holder.wait()
    result = runner.invoke(app(), ["stop", "--root", str(root)])  # the lock died with its holder
    assert result.exit_code == 0 and "no local emulator was kept" in result.output


def app():
    from mlzone.cli import app as cli

    return cli


@pytest.mark.parametrize(
    ("content", "problem"), [(b"", "empty (0 bytes)"), (b'{"version": 4, "lineage": "l", "ser', "not valid JSON")]
)
def test_an_unreadable_local_state_names_the_file_and_the_backup(tmp_path: Path, content: bytes, problem: str) -> None:
    state = tmp_path / "platform.tfstate"
    state.write_bytes(content)
    with pytest.raises(StateError) as refused:
        read_state(state)
    assert f"{state} is not a readable Terraform state: {problem}" in str(refused.value)
    assert "no backup" in str(refused.value) and "mlzone stop" in str(refused.value)
    state.with_name("platform.tfstate.backup").write_text('{"version": 4, "lineage": "l", "serial": 2}')
    with pytest.raises(StateError, match=f"cp {state}.backup {state}"):
        read_state(state)


def test_plan_on_a_zero_length_state_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    root = zone(tmp_path, ("platform",))
    emulator = Emulator(root / ".mlzone", keep=True).start()  # state is kept only for a kept emulator
    try:
        ws = Workspace(root.resolve(), "local", emulator_url=emulator.url)
        ws.plan_dir("platform").mkdir(parents=True)
        (ws.plan_dir("platform") / "tfplan").write_bytes(b"plan")
        (ws.plan_dir("platform") / "meta.json").write_text(json.dumps({**StackPlan("platform").__dict__}))
        ws.local_state("platform").parent.mkdir(parents=True)
        ws.local_state("platform").write_bytes(b"")
        result = runner.invoke(app(), ["plan", "--no-synth", "--root", str(root)], catch_exceptions=False)
        assert result.exit_code == 1, result.output
        message = " ".join(result.output.split())
        assert f"{ws.local_state('platform')} is not a readable Terraform state: empty (0 bytes)" in message
        assert ws.local_state("platform").read_bytes() == b"", "kept as it was, for the user to inspect"
    finally:
        emulator.stop(force=True)


def test_ctrl_c_after_cdktf_loaded_leaves_no_jsii_traceback(tmp_path: Path) -> None:
    script = (
        "import sys, time\nfrom mlzone import jsii_exit\njsii_exit.guard()\nimport cdktf\n"
        "print('ready', flush=True)\ntry:\n    time.sleep(60)\nexcept KeyboardInterrupt:\n"
        "    time.sleep(2)  # long enough for Node to have died of the same Ctrl-C\n    sys.exit(130)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "BrokenPipeError" not in stderr and "Exception ignored" not in stderr, stderr


def test_stop_with_a_stale_emulator_record_leaves_the_recorded_process_alone(tmp_path: Path) -> None:
    sleeper = subprocess.Popen(["sleep", "300"], start_new_session=True)  # as a kept emulator would be
    try:
        (tmp_path / ".mlzone").mkdir()
        (tmp_path / ".mlzone" / "emulator.json").write_text(
            json.dumps({"pid": sleeper.pid, "url": "http://127.0.0.1:1"})
        )
        result = runner.invoke(app(), ["stop", "--root", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert "named no running mlzone emulator" in " ".join(result.output.split())
        time.sleep(0.5)
        assert sleeper.poll() is None, "the unrelated process survived"
        assert not (tmp_path / ".mlzone" / "emulator.json").exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_the_plan_after_an_interrupted_apply_untaints_what_it_cut_short_and_imports_what_it_left_unrecorded(
    tmp_path: Path, monkeypatch
) -> None:
    from mlzone.orchestrate.interrupted import Repaired, mark_interrupted, repair_interrupted

    root = zone(tmp_path / "zone", ("platform",))
    config = {
        "provider": {"aws": [{"region": "eu-west-1"}]},
        "resource": {
            "aws_glue_catalog_database": {"db": {"name": "acme_ml_predictions"}},
            "aws_s3_bucket": {"logs": {"bucket": "acme-ml-logs"}, "later": {"bucket": "${var.name}"}},
            "aws_kms_key": {"data": {}, "new": {}},
        },
    }
    (root / "cdktf.out" / "stacks" / "platform" / "cdk.tf.json").write_text(json.dumps(config))
    calls = tmp_path / "calls"
    state = {
        "values": {
            "root_module": {
                "resources": [
                    {"address": "aws_kms_key.data", "mode": "managed", "type": "aws_kms_key", "tainted": True},
                    {"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc"},
                ]
            }
        }
    }
    fake = f"""#!/bin/sh
echo "$@" >> {calls}
[ "$1" = show ] && echo '{json.dumps(state)}'
if [ "$1" = import ] && [ "$4" = aws_s3_bucket.logs ]; then
  echo "Error: Cannot import non-existent remote object"; exit 1
fi
exit 0
"""
    monkeypatch.setenv("MLZONE_TERRAFORM", fake_terraform(tmp_path, fake))
    ws = Workspace(root.resolve(), "local", emulator_url="http://127.0.0.1:1")
    tf = ws.terraform("platform")
    assert repair_interrupted(ws, tf) == Repaired() and not calls.exists(), "nothing to do after a clean apply"
    tf.log_path("apply").parent.mkdir(parents=True)
    tf.log_path("apply").write_text(
        "aws_kms_key.data: Creating...\naws_vpc.main: Creating...\naws_vpc.main: Creation complete after 1s\n"
        "aws_glue_catalog_database.db: Creating...\naws_s3_bucket.logs: Creating...\n"
        "aws_s3_bucket.later: Creating...\naws_kms_key.new: Creating...\nStopping operation...\n"
    )
    mark_interrupted(ws, tf)
    repaired = repair_interrupted(ws, tf)
    assert repaired.untainted == ["aws_kms_key.data"], "tainted by the stop: untainted"
    assert repaired.adopted == ["aws_glue_catalog_database.db"], "created, unrecorded: imported"
    assert repaired.unadopted == ["aws_s3_bucket.later", "aws_kms_key.new"], "no import ID known before apply"
    assert calls.read_text().splitlines()[1:] == [
        "untaint aws_kms_key.data",
        "import -input=false -no-color aws_glue_catalog_database.db 123456789012:acme_ml_predictions",
        "import -input=false -no-color aws_s3_bucket.logs acme-ml-logs",  # never created: left to the plan
    ]
    assert not ws.interrupted_marker("platform").exists(), "once"
