"""Faults on the deployed example (local target): a spec change that updates resources in place, a second
command while a deploy runs, and a zero-length local state. The Ctrl-C and state-lock races are in
test_state_safety.py; faults that need no real Terraform are in tests/unit/test_cli_faults.py."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from mlzone.zonelock import LOCK_FILE
from tests.e2e.conftest import EXAMPLE_PROJECT, mlzone, mlzone_process

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1800)]
WAIT = 600  # seconds any wait below may take on a loaded CI machine


def test_a_spec_change_updates_the_resources_in_place_on_the_emulator(deployed, example: Path, aws) -> None:
    assert deployed.exit_code == 0, deployed.output
    spec_file = example / "projects" / f"{EXAMPLE_PROJECT}.yaml"
    synthesized = example / "cdktf.out" / "stacks" / EXAMPLE_PROJECT / "cdk.tf.json"
    original, original_json = spec_file.read_text(), synthesized.read_text()
    # deployed as the spec says (again, when an earlier test destroyed the project)
    before = mlzone("deploy", EXAMPLE_PROJECT, "--root", str(example), "--no-synth")
    assert before.exit_code == 0, before.output
    spec = yaml.safe_load(original)
    spec["notebooks"][0].update(volume_size_gb=30, instance_type="ml.t3.large")  # UpdateNotebookInstance
    spec["spark_clusters"][0].update(core_nodes=3, idle_timeout_minutes=120)  # ModifyInstanceGroups, auto-termination
    # (a batch job's schedule exists only once it names an approved version; the example names none)
    spec_file.write_text(yaml.safe_dump(spec))
    try:
        changed = mlzone("deploy", EXAMPLE_PROJECT, "--root", str(example), "--json")
        assert changed.exit_code == 0, changed.output
        assert json.loads(changed.stdout)["stacks"][0]["applied"]  # stdout is only the JSON, synth reports on stderr
        planned = json.loads((example / ".mlzone" / "plans" / EXAMPLE_PROJECT / "plan.json").read_text())
        actions = {
            rc["type"]: rc["change"]["actions"]
            for rc in planned["resource_changes"]
            if rc["change"]["actions"] != ["no-op"]
        }
        for updated in ("aws_sagemaker_notebook_instance", "aws_emr_cluster"):
            assert actions.get(updated) == ["update"], f"{updated} updated in place: {actions}"
        replaced = {t for t, a in actions.items() if a != ["update"]}
        assert replaced <= {"aws_emr_managed_scaling_policy"}, f"only what the provider cannot update: {actions}"

        notebook = aws("sagemaker").describe_notebook_instance(NotebookInstanceName=f"{EXAMPLE_PROJECT}--alice")
        assert (notebook["VolumeSizeInGB"], notebook["InstanceType"]) == (30, "ml.t3.large")
        assert notebook["NotebookInstanceStatus"] == "InService", "started again after the update"
        emr = aws("emr")
        cluster = next(
            c
            for c in emr.list_clusters(ClusterStates=["WAITING", "RUNNING", "STARTING"])["Clusters"]
            if c["Name"].startswith(EXAMPLE_PROJECT)
        )
        core = next(
            g
            for g in emr.list_instance_groups(ClusterId=cluster["Id"])["InstanceGroups"]
            if g["InstanceGroupType"] == "CORE"
        )
        assert core["RequestedInstanceCount"] == 3
        assert not [s for s in aws("scheduler").list_schedules()["Schedules"] if s["Name"].startswith(EXAMPLE_PROJECT)]

        replan = mlzone("plan", EXAMPLE_PROJECT, "--root", str(example), "--no-synth", "--json")
        assert replan.exit_code == 0, replan.output
        again = json.loads(replan.stdout)["stacks"][0]["plan"]
        assert (again["adds"], again["changes"], again["destroys"]) == (0, 0, 0), "converged"
    finally:
        spec_file.write_text(original)
        synthesized.write_text(original_json)


def test_a_second_command_during_a_deploy_is_refused_and_the_first_completes(deployed, example: Path) -> None:
    assert deployed.exit_code == 0, deployed.output
    state = example / ".mlzone" / "state" / "platform.tfstate"
    first = mlzone_process(example, "deploy", "--no-synth", "platform")
    try:
        lock = example / ".mlzone" / LOCK_FILE
        deadline = time.monotonic() + WAIT
        while not (lock.is_file() and f'"pid": {first.pid}' in lock.read_text()):
            assert first.poll() is None, first.stdout.read()
            assert time.monotonic() < deadline, "the first deploy never took the zone lock"
            time.sleep(0.2)
        for command in ("deploy", "plan", "destroy"):
            second = (
                mlzone(command, "--root", str(example), "--no-synth")
                if command != "destroy"
                else mlzone(command, "--root", str(example))
            )
            assert second.exit_code == 1, second.output
            message = " ".join(second.output.split())
            assert f"pid {first.pid}, `mlzone deploy` (target local)" in message, message
        assert state.is_file(), "the first deploy's state is still there"
    finally:
        output, _ = first.communicate(timeout=WAIT)
    assert first.returncode == 0, output
    assert json.loads(state.read_text())["resources"], "and it still describes the platform"


def test_plan_on_a_zero_length_state_names_the_file_and_the_way_back(deployed, example: Path) -> None:
    assert deployed.exit_code == 0, deployed.output
    state = example / ".mlzone" / "state" / "platform.tfstate"
    saved = state.read_bytes()
    state.write_bytes(b"")  # e.g. a full disk
    try:
        result = mlzone("plan", "platform", "--root", str(example), "--no-synth")
        assert result.exit_code == 1, result.output
        message = " ".join(result.output.split())
        assert f"{state} is not a readable Terraform state: empty (0 bytes)" in message
        backup = state.with_name(state.name + ".backup")
        assert (f"cp {backup} {state}" if backup.is_file() else "no backup") in message
    finally:
        state.write_bytes(saved)
