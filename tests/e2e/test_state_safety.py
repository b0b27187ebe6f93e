"""State safety on the emulator: a bootstrapped S3 backend with lock files refuses a concurrent deploy of the
same stack, an apply interrupted with Ctrl-C converges on the next run, and an insecure stack is refused by
gate 2 before any of its resources exists."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from botocore.exceptions import ClientError

from mlzone.clients import clients
from mlzone.emulator import Emulator
from mlzone.terraform.children import GRACE_SECONDS
from tests.e2e.conftest import REGION, copy_example, mlzone, mlzone_process

pytestmark = pytest.mark.e2e
STATE_BUCKET = "acme-ml-tfstate-e2e"
STACK = "platform"
WAIT = 600  # seconds any wait below may take on a loaded CI machine


def wait_for(what: str, condition, process, timeout: float = WAIT) -> None:
    """Poll `condition` while `process` runs; fail with its output if it ends first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"mlzone ended ({process.returncode}) before {what}:\n{process.stdout.read()}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def s3_backed_checkout(root: Path, synthesized: Path, url: str) -> Path:
    """A checkout whose platform stack keeps its state in the emulator's S3 bucket, locked by lock files."""
    copy_example(root, ())
    spec = yaml.safe_load((root / "platform.yaml").read_text())
    (root / "platform.yaml").write_text(yaml.safe_dump({**spec, "state_bucket": STATE_BUCKET}))
    doc = json.loads((synthesized / "cdk.tf.json").read_text())
    doc["terraform"]["backend"] = {
        "s3": {
            "bucket": STATE_BUCKET,
            "key": f"mlzone/{STACK}.tfstate",
            "region": REGION,
            "use_lockfile": True,
            "endpoints": {"s3": url},
            "use_path_style": True,
            "access_key": "test",
            "secret_key": "test",
            "skip_credentials_validation": True,
            "skip_requesting_account_id": True,
            "skip_metadata_api_check": True,
        }
    }
    stack = root / "cdktf.out" / "stacks" / STACK
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(json.dumps(doc))
    return root


@pytest.fixture
def s3_backend(example: Path, tmp_path: Path) -> Iterator[tuple[Path, Path, str]]:
    """Two checkouts (a, b) of the platform sharing one S3 backend on a fresh emulator of their own."""
    emulator = Emulator(tmp_path / "a" / ".mlzone", keep=True).start()
    try:
        synthesized = example / "cdktf.out" / "stacks" / STACK
        a = s3_backed_checkout(tmp_path / "a", synthesized, emulator.url)
        b = s3_backed_checkout(tmp_path / "b", synthesized, emulator.url)
        (b / ".mlzone").mkdir()
        shutil.copy(a / ".mlzone" / "emulator.json", b / ".mlzone")  # b reuses a's emulator
        for _ in range(2):  # idempotent
            result = mlzone("bootstrap", "--root", str(a), "--endpoint-url", emulator.url)
            assert result.exit_code == 0, result.output
        yield a, b, emulator.url
    finally:
        emulator.stop(force=True)


def test_bootstrap_makes_a_private_versioned_encrypted_state_bucket(s3_backend) -> None:
    s3 = clients(REGION, s3_backend[2])("s3")
    assert s3.get_bucket_versioning(Bucket=STATE_BUCKET)["Status"] == "Enabled"
    sse = s3.get_bucket_encryption(Bucket=STATE_BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert sse["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert all(s3.get_public_access_block(Bucket=STATE_BUCKET)["PublicAccessBlockConfiguration"].values())


def test_a_concurrent_deploy_of_the_same_stack_fails_on_the_state_lock(s3_backend) -> None:
    a, b, url = s3_backend
    s3 = clients(REGION, url)("s3")
    first = mlzone_process(a, "deploy", "--no-synth", STACK)
    try:
        apply_log = a / ".mlzone" / "logs" / STACK / "apply.log"
        wait_for(
            "the first apply to hold the lock",
            lambda: (
                apply_log.is_file()
                and any(
                    o["Key"].endswith(".tflock") for o in s3.list_objects_v2(Bucket=STATE_BUCKET).get("Contents", [])
                )
            ),
            first,
        )
        second = mlzone("deploy", "--root", str(b), "--no-synth", STACK)
        assert second.exit_code == 1, second.output
        assert "state lock" in second.output and f"stack {STACK}, step plan" in second.output
    finally:
        output, _ = first.communicate(timeout=WAIT)
    assert first.returncode == 0, output


def lose_a_create_reply(root: Path, url: str) -> str:
    """Make sure one create of the interrupted apply is the kind Ctrl-C can leave behind: AWS carried it out,
    the reply was lost, the state lacks it. Which creates were in flight when the interrupt came is up to
    timing, so the test makes one: a resource the partial state lacks, created on the emulator and noted in
    flight. Returns its address."""
    aws = clients(REGION, url)
    state = json.loads(aws("s3").get_object(Bucket=STATE_BUCKET, Key=f"mlzone/{STACK}.tfstate")["Body"].read())
    recorded = {f"{r['type']}.{r['name']}" for r in state["resources"] if r["mode"] == "managed"}
    creates = {  # resources the platform creates late and boto3 makes in one call
        "aws_cloudwatch_log_group": lambda c: aws("logs").create_log_group(logGroupName=c["name"]),
        "aws_athena_workgroup": lambda c: aws("athena").create_work_group(Name=c["name"]),
        "aws_glue_catalog_database": lambda c: aws("glue").create_database(DatabaseInput={"Name": c["name"]}),
    }
    doc = json.loads((root / "cdktf.out" / "stacks" / STACK / "cdk.tf.json").read_text())["resource"]
    for kind, create in creates.items():
        for name, config in doc[kind].items():
            if f"{kind}.{name}" in recorded:
                continue
            with contextlib.suppress(ClientError):  # already there: that very create was in flight
                create(config)
            marker = root / ".mlzone" / "interrupted" / STACK
            assert marker.is_file(), "mlzone noted the interrupted apply"
            marker.write_text(f"{marker.read_text()}\n{kind}.{name}")
            return f"{kind}.{name}"
    pytest.fail(f"the interrupted apply had already created {sorted(recorded)}")


def test_an_apply_interrupted_with_ctrl_c_converges_on_the_next_run(s3_backend) -> None:
    a, _, url = s3_backend
    first = mlzone_process(a, "deploy", "--no-synth", STACK)
    apply_log = a / ".mlzone" / "logs" / STACK / "apply.log"
    wait_for(
        "the apply to create resources",
        lambda: apply_log.is_file() and "Creation complete" in apply_log.read_text(),
        first,
    )
    os.killpg(first.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
    interrupted_at = time.monotonic()
    output, _ = first.communicate(timeout=WAIT)
    assert first.returncode == 130, output
    assert "interrupted" in output
    # forwarded to Terraform at once (it runs in its own session), not waited out; the message says what happened
    assert time.monotonic() - interrupted_at < GRACE_SECONDS + 30, "Terraform was interrupted, not waited for"
    assert f"stack {STACK}: apply interrupted; Terraform stopped gracefully" in " ".join(output.split()), output
    assert "Traceback" not in output and "Exception ignored" not in output
    partial = clients(REGION, url)("s3").list_objects_v2(Bucket=STATE_BUCKET, Prefix=f"mlzone/{STACK}.tfstate")
    assert partial.get("KeyCount") == 1, "Terraform saved the partial state when stopped"
    lost = lose_a_create_reply(a, url)

    again = mlzone("deploy", "--root", str(a), "--no-synth", STACK)
    assert again.exit_code == 0, again.output
    assert f"adopted {STACK}: {lost}" in " ".join(again.output.split()), again.output
    replan = mlzone("plan", "--root", str(a), "--no-synth", "--json", STACK)
    assert replan.exit_code == 0, replan.output
    plan = json.loads(replan.stdout)["stacks"][0]["plan"]
    assert (plan["adds"], plan["changes"], plan["destroys"]) == (0, 0, 0)


def test_an_insecure_stack_is_refused_before_any_resource_exists(
    example: Path, tmp_path: Path, aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLZONE_GATE", raising=False)  # the gate refuses for real
    platform = json.loads((example / "cdktf.out" / "stacks" / STACK / "cdk.tf.json").read_text())
    rogue = {
        "terraform": {**platform["terraform"], "backend": {"local": {"path": "../../../.mlzone/state/rogue.tfstate"}}},
        "provider": platform["provider"],
        "variable": platform["variable"],
        "resource": {
            "aws_s3_bucket": {"open": {"bucket": "acme-ml-rogue-eu-west-1"}},
            "aws_s3_bucket_public_access_block": {
                "open": {
                    "bucket": "${aws_s3_bucket.open.id}",
                    "block_public_acls": False,
                    "block_public_policy": False,
                    "ignore_public_acls": False,
                    "restrict_public_buckets": False,
                }
            },
        },
    }
    root = tmp_path / "rogue"
    (root / "cdktf.out" / "stacks" / "rogue").mkdir(parents=True)
    (root / "cdktf.out" / "stacks" / "rogue" / "cdk.tf.json").write_text(json.dumps(rogue))
    shutil.copy(example / "platform.yaml", root)
    (root / ".mlzone").mkdir()
    shutil.copy(example / ".mlzone" / "emulator.json", root / ".mlzone")
    result = mlzone("deploy", "--root", str(root), "--no-synth", "rogue")
    assert result.exit_code == 3, result.output
    assert "failed" in result.output and "CKV" in result.output
    assert "acme-ml-rogue-eu-west-1" not in {b["Name"] for b in aws("s3").list_buckets()["Buckets"]}
    assert not (root / ".mlzone" / "state" / "rogue.tfstate").exists()
