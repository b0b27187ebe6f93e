"""Deploy records on the local target, end to end: a zone in its own git repository is deployed, the
example trains, carol registers and alice approves version 1, the spec names it and is committed, and the
second `mlzone deploy` writes a record naming that commit, the operator and endpoint -> package version.
`mlzone invoke` then answers, and `mlzone trace` of that prediction names the deploy record. A third
deploy whose apply fails (an IAM role of the new endpoint already exists) writes a record marked failed."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import yaml

from mlzone import deploy_record
from mlzone.local_identity import user_credentials
from modules.prediction_record import uuid7
from tests.e2e.conftest import EXAMPLE_PROJECT, REGION, REPO, mlzone
from tests.e2e.test_tracking import clean_env, train

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(3600)]
MODEL = "fraud-scorer"
ACCOUNT = "123456789012"
AUDIT = f"acme-ml-audit-{REGION}"
COLUMNS = ["amount", "hour", "merchant_risk", "card_age_days", "foreign"]


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), "-c", "user.email=zone@example.com", "-c", "user.name=zone", *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def write_spec(root: Path, **changes) -> None:
    """The example project without its Spark cluster (not needed here; the notebook is: where experiments
    run, the project has its tracking server), approvers alice and carol."""
    spec = yaml.safe_load((REPO / "projects" / f"{EXAMPLE_PROJECT}.yaml").read_text())
    spec.pop("spark_clusters")
    spec["approvers"] = [f"arn:aws:iam::{ACCOUNT}:user/alice", f"arn:aws:iam::{ACCOUNT}:user/carol"]
    (root / "projects" / f"{EXAMPLE_PROJECT}.yaml").write_text(yaml.safe_dump(spec | changes))


@pytest.fixture(scope="module")
def zone(tmp_path_factory: pytest.TempPathFactory):
    """A zone repository (platform + the trimmed project, committed); its emulator is stopped at the end."""
    root = tmp_path_factory.mktemp("zone")
    (root / "projects").mkdir()
    shutil.copy(REPO / "platform.yaml", root)
    write_spec(root)
    (root / ".gitignore").write_text("cdktf.out/\n.mlzone/\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "the zone, no model version yet")
    try:
        yield root
    finally:
        mlzone("stop", "--root", str(root))


def records(s3, stack: str) -> list[dict]:
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=AUDIT, Prefix=f"deployments/{stack}/").get("Contents", [])]
    return [json.loads(s3.get_object(Bucket=AUDIT, Key=k)["Body"].read()) | {"key": k} for k in sorted(keys)]


def test_deploy_records_name_commit_operator_and_served_version_and_trace_shows_them(zone: Path) -> None:
    first = mlzone("deploy", "--root", str(zone))
    assert first.exit_code == 0, first.output
    exports = mlzone("env", EXAMPLE_PROJECT, "--root", str(zone))
    assert exports.exit_code == 0, exports.output
    env = dict(shlex.split(line)[1].split("=", 1) for line in exports.stdout.splitlines() if line.startswith("export "))
    aws = {"endpoint_url": env["AWS_ENDPOINT_URL"], "region_name": REGION}
    aws |= {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    s3 = boto3.client("s3", **aws)
    [platform_first] = records(s3, "platform")
    assert platform_first["status"] == "succeeded" and platform_first["counts"]["added"] > 0
    assert platform_first["git_commit"] == git(zone, "rev-parse", "HEAD") and platform_first["dirty"] is False
    assert platform_first["gate_1"]["passed"] and platform_first["gate_2"]["passed"]
    assert platform_first["versions"]["providers"]["registry.terraform.io/hashicorp/aws"] == "5.100.0"
    [project_first] = records(s3, EXAMPLE_PROJECT)
    assert project_first["endpoints"] == {} and project_first["batch_jobs"] == {}, "no version named yet"

    iam = boto3.client("iam", **aws)
    keys = {user: user_credentials(iam, user) for user in ("carol", "alice")}
    run_id = train(env)

    def model(user: str, *args: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "mlzone", "model", *args, "--root", str(zone)],
            env=clean_env(env | keys[user]),
            capture_output=True,
            text=True,
            timeout=300,
            cwd=REPO,
        )
        assert done.returncode == 0, done.stderr[-3000:]

    model("carol", "register", EXAMPLE_PROJECT, MODEL, "--run", run_id)
    model("alice", "approve", EXAMPLE_PROJECT, MODEL, "1", "--reason", "AUC above the agreed bar on the hold-out")

    spec = yaml.safe_load((zone / "projects" / f"{EXAMPLE_PROJECT}.yaml").read_text())
    write_spec(zone, endpoints=[e | {"version": 1} for e in spec["endpoints"]])
    git(zone, "commit", "-qam", "serve fraud-scorer version 1")
    commit = git(zone, "rev-parse", "HEAD")
    second = mlzone("deploy", "--root", str(zone))
    assert second.exit_code == 0, second.output
    record = records(s3, EXAMPLE_PROJECT)[-1]
    [version] = boto3.client("sagemaker", **aws).list_model_packages(
        ModelPackageGroupName=f"{EXAMPLE_PROJECT}--{MODEL}"
    )["ModelPackageSummaryList"]
    arn = version["ModelPackageArn"]
    operator = boto3.client("sts", **aws).get_caller_identity()["Arn"]  # the deploy's identity, as STS answers
    assert (record["status"], record["git_commit"], record["dirty"], record["operator"]) == (
        "succeeded",
        commit,
        False,
        operator,
    )
    assert record["endpoints"] == {f"{EXAMPLE_PROJECT}--scorer": arn}
    assert record["counts"]["added"] > 0 and record["plan_hash"][:12] in record["key"]
    assert record["specs"][f"projects/{EXAMPLE_PROJECT}.yaml"]
    assert f"s3://{AUDIT}/{record['key']}" in " ".join(second.output.split())

    inference_id = uuid7()
    body = json.dumps({"dataframe_split": {"columns": COLUMNS, "data": [[120.0, 3.0, 0.9, 10.0, 1.0]]}})
    invoked = mlzone("invoke", EXAMPLE_PROJECT, "scorer", body, "--inference-id", inference_id, "--root", str(zone))
    assert invoked.exit_code == 0, invoked.output
    traced = mlzone("trace", inference_id, "--json", "--root", str(zone))
    assert traced.exit_code == 0, traced.output
    links = {link["link"]: link for link in json.loads(traced.stdout)}
    assert links["deploy"]["facts"]["record_uri"] == f"s3://{AUDIT}/{record['key']}"
    assert (links["deploy"]["facts"]["git_commit"], links["deploy"]["facts"]["operator"]) == (commit, operator)
    assert links["model version"]["facts"]["arn"] == arn
    assert links["approval"]["facts"]["decision"] == "Approved"

    # A failed apply: the role of a new endpoint exists already (made outside Terraform), so its create fails.
    scorer = spec["endpoints"][0] | {"version": 1}
    write_spec(zone, endpoints=[scorer, scorer | {"name": "scorer-two"}])
    iam.create_role(RoleName=f"{EXAMPLE_PROJECT}--scorer-two-endpoint", AssumeRolePolicyDocument="{}")
    failed = mlzone("deploy", EXAMPLE_PROJECT, "--root", str(zone))
    assert failed.exit_code == 1, failed.output
    last = records(s3, EXAMPLE_PROJECT)[-1]
    assert last["status"] == "failed" and "step apply" in last["error"] and last["dirty"] is True
    assert len(records(s3, EXAMPLE_PROJECT)) == 3, f"one record per apply under {deploy_record.PREFIX}"
