"""Self-service in a real browser, end to end on the local target: `mlzone deploy` of a zone whose project
has guardrails, then `mlzone portal` (a subprocess, as a user starts it) driven by headless Chromium.

Sign in with the printed token, request a cluster of a preset size, watch the job's step and elapsed time,
see the cluster running with its auto-termination and copy its connection settings; a second cluster is
refused naming the guardrail (max_clusters) and the fix; terminate the first; every request is in the
audit bucket. The page with the running cluster is the README's screenshot (docs/images/portal.png when
MLZONE_UPDATE_SCREENSHOTS=1, otherwise the test's folder).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from mlzone.clients import clients
from stacks.spec import load_zone

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]
PROJECT, MEMBER = "lab", "arn:aws:iam::123456789012:user/moto"  # every local call is moto's user
GUARDRAILS = {
    "spark": {"max_clusters": 1, "sizes": ["small"], "max_idle_minutes": 120},
    "notebooks": {"max": 1, "instance_types": ["ml.t3.medium"]},
    "monthly_budget_usd": 500,
    "members": [MEMBER],
}
APPLY_TIMEOUT_MS = 300_000


def mlzone(root: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlzone", *args, "--root", str(root)], capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def zone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, object]]:
    """A deployed zone (platform without MLflow, one project with guardrails) and its portal's signed URL."""
    root = tmp_path_factory.mktemp("zone")
    platform = yaml.safe_load((REPO / "platform.yaml").read_text())
    platform["experiment_tracking"] = {"enabled": False}  # not what this test is about; saves a server
    (root / "platform.yaml").write_text(yaml.safe_dump(platform))
    (root / "projects").mkdir()
    project = {"name": PROJECT, "team": "data-science", "cost_center": "CC-3000", "data_classification": "internal"}
    (root / "projects" / f"{PROJECT}.yaml").write_text(yaml.safe_dump({**project, "self_service": GUARDRAILS}))
    portal = None
    try:
        deployed = mlzone(root, "deploy", "--target", "local")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        log = root / "portal.log"  # a file, not a pipe: nothing blocks the portal when it writes
        with log.open("w") as out:
            portal = subprocess.Popen(
                [sys.executable, "-m", "mlzone", "portal", "--root", str(root), "--target", "local"],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        found = None
        for _ in range(300):
            found = re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", log.read_text())
            if found or portal.poll() is not None:
                break
            time.sleep(0.1)
        assert found, f"`mlzone portal` printed no URL: {log.read_text()}"
        emulator = json.loads((root / ".mlzone" / "emulator.json").read_text())["url"]
        yield found.group(0), root, clients(platform["region"], emulator)
    finally:
        if portal is not None:
            portal.terminate()
            portal.wait(10)
        mlzone(root, "stop", timeout=60)


def _wait_for_the_job(page, states: str) -> list[str]:
    """Poll the job page until it ends in one of `states`; the steps it showed on the way."""
    steps: list[str] = []
    for _ in range(APPLY_TIMEOUT_MS // 500):
        step, state = page.inner_text("#step"), page.inner_text("#state")
        if not steps or steps[-1] != step:
            steps.append(step)
        if state != "running":
            assert state in states, f"the job ended {state}: {page.inner_text('#error')}"
            return steps
        page.wait_for_timeout(500)
    raise AssertionError(f"the job did not end in {APPLY_TIMEOUT_MS // 1000} s (steps {steps})")


def test_request_a_cluster_watch_it_apply_connect_be_refused_a_second_and_terminate(zone, page, tmp_path) -> None:
    url, root, aws = zone
    page.goto(url)
    page.click(f"text={PROJECT}")
    form = page.locator("form", has=page.locator("button[data-action=request-cluster]"))
    assert form.locator("select[name=size] option").all_inner_texts() == ["small"], "only the guardrails' presets"
    assert form.locator("input[name=idle_minutes]").get_attribute("max") == "120"

    form.locator("input[name=name]").fill("eda")
    form.locator("input[name=idle_minutes]").fill("30")
    form.locator("button").click()
    steps = _wait_for_the_job(page, ("done",))
    assert any(s.startswith(f"{PROJECT}-self-service: ") for s in steps), f"live progress per step: {steps}"
    assert int(page.inner_text("#elapsed")) > 0

    page.click(f"text=Back to {PROJECT}")
    row = page.locator("#resources tr", has_text=f"{PROJECT}--eda")
    assert (
        re.search(r"RUNNING|WAITING", row.inner_text()) and "auto-terminates after 30 idle minutes" in row.inner_text()
    )
    dns = aws("emr").describe_cluster(
        ClusterId=next(c["Id"] for c in aws("emr").list_clusters()["Clusters"] if c["Name"] == f"{PROJECT}--eda")
    )["Cluster"]["MasterPublicDnsName"]
    shot = REPO / "docs/images/portal.png" if os.environ.get("MLZONE_UPDATE_SCREENSHOTS") else tmp_path / "portal.png"
    page.screenshot(path=str(shot), full_page=True)
    row.locator("details.connection summary").click()
    assert row.locator("code.livy").inner_text() == f"http://{dns}:8998"
    row.locator("button.copy").click()
    page.wait_for_function("document.querySelector('button.copy').textContent === 'Copied'")
    copied = json.loads(page.evaluate("navigator.clipboard.readText()"))
    assert copied["kernel_python_credentials"]["url"] == f"http://{dns}:8998", "a SparkMagic config for this cluster"

    form = page.locator("form", has=page.locator("button[data-action=request-cluster]"))
    form.locator("input[name=name]").fill("more")
    form.locator("button").click()
    _wait_for_the_job(page, ("refused",))
    refusal = page.inner_text("#error")
    assert "self_service.spark.max_clusters" in refusal and "this would be cluster 2 of at most 1" in refusal
    assert "fix: release a cluster first" in refusal
    assert f"mlzone request {PROJECT} cluster --size small --idle-minutes 60 --name more --for-review" in refusal
    assert f"{PROJECT}--more" not in [c["Name"] for c in aws("emr").list_clusters()["Clusters"]], "nothing created"

    page.click(f"text=Back to {PROJECT}")
    page.locator("#resources tr", has_text=f"{PROJECT}--eda").locator("button[data-action=terminate-cluster]").click()
    _wait_for_the_job(page, ("done",))
    page.click(f"text=Back to {PROJECT}")
    assert page.locator("#resources tr", has_text=f"{PROJECT}--eda").count() == 0, "terminated"

    s3, audit = aws("s3"), load_zone(root).platform.bucket_name("audit")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=audit, Prefix=f"requests/{PROJECT}/")["Contents"]]
    records = [json.loads(s3.get_object(Bucket=audit, Key=k)["Body"].read()) for k in sorted(keys)]
    assert [(r["what"]["action"], r["outcome"]) for r in records] == [
        ("request", "applied"),
        ("request", "refused"),
        ("release", "applied"),
    ]
    assert {r["who"] for r in records} == {MEMBER.replace(":iam:", ":sts:")}, "moto's STS caller, the listed member"
