"""`mlzone drift` on the emulator: clean right after a deploy; a bucket's tag changed with boto3 is reported by
address and construct path, with exit code 4 and a Markdown report for the drift issue.

Reuses the session's deployed example and checks the platform stack (whether the project is still deployed
depends on the test order), so drift costs two refresh plans of one stack and no extra deploy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import mlzone

pytestmark = pytest.mark.e2e
BUCKET = "acme-ml-audit-eu-west-1"
DRIFT_FOUND = 4


def drift(example: Path):
    result = mlzone("drift", "platform", "--root", str(example), "--no-synth", "--json")
    return result, json.loads(result.stdout) if result.stdout.strip().startswith("[") else None


def test_drift_is_clean_after_deploy_and_reports_a_tag_changed_outside_terraform(deployed, example: Path, aws) -> None:
    assert deployed.exit_code == 0, deployed.output
    clean, results = drift(example)
    assert clean.exit_code == 0, clean.output
    assert "platform" in {r["stack"] for r in results if r["deployed"]}
    assert all(r["items"] == [] and not r["error"] for r in results)

    s3 = aws("s3")
    tags = s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]
    changed = [{**t, "Value": "changed-by-hand"} if t["Key"] == "cost-center" else t for t in tags]
    assert changed != tags, f"the audit bucket should carry a cost-center tag: {tags}"
    s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": changed})
    try:
        found, results = drift(example)
        assert found.exit_code == DRIFT_FOUND, found.output
        platform = next(r for r in results if r["stack"] == "platform")
        synth = json.loads((example / "cdktf.out" / "stacks" / "platform" / "cdk.tf.json").read_text())
        bucket_ids = [i for i, body in synth["resource"]["aws_s3_bucket"].items() if body.get("bucket") == BUCKET]
        assert len(bucket_ids) == 1
        item = next(i for i in platform["items"] if i["address"] == f"aws_s3_bucket.{bucket_ids[0]}")
        assert item["actions"] == ["update"]
        assert "tags" in item["outside"]
        assert item["path"].startswith("platform/"), item
        report = (example / ".mlzone" / "drift-report.md").read_text()
        assert f"`{item['address']}`" in report and f"`{item['path']}`" in report
    finally:
        s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": tags})
