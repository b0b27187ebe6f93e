"""The portal's buttons over HTTP (uvicorn on 127.0.0.1, in-process moto): who gets which button, the approval
through mlzone.lifecycle (four eyes), cluster requests that fail validation before any job, and the connection
settings of a cluster. The full request → apply → terminate path is the browser test's
(tests/browser/test_portal_self_service.py)."""

from __future__ import annotations

import html
import http.cookiejar
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import uvicorn
import yaml
from moto import mock_aws

from mlzone.emulator import patch_moto
from mlzone.portal import connection
from mlzone.portal.app import Zone, create_app
from mlzone.portal.buttons import zone_buttons
from mlzone.process import free_port
from mlzone.zone_access import ZoneAccess
from stacks.spec import load_zone
from tests.unit.self_service_zone import PROJECT, make_zone

pytestmark = pytest.mark.unit
REGION, TOKEN = "eu-west-1", "unit-test-token"
ME, OTHER = "arn:aws:iam::123456789012:user/moto", "arn:aws:sts::123456789012:user/alice"  # an approver; another
CALLER = "arn:aws:sts::123456789012:user/moto"  # moto's STS caller: ME
GROUP = f"{PROJECT}--fraud-scorer"


def _client(service: str):
    return boto3.client(service, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")


class Browser:
    """urllib with the portal's cookie: GET and form POSTs, the answer's status and text."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.url + path) as r:
                return r.status, html.unescape(r.read().decode())
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def post(self, path: str, form: dict[str, str]) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode()
        with self.opener.open(urllib.request.Request(self.url + path, data=data, method="POST")) as r:
            return r.status, html.unescape(r.read().decode())

    def job(self, page: str) -> dict:
        """The job of a job page (its id is in the page's polling script), once it has ended."""
        job_id = page.split('fetch("/jobs/')[1].split("/state")[0]
        for _ in range(100):
            state = json.loads(self.get(f"/jobs/{job_id}/state")[1])
            if state["state"] != "running":
                return state
            time.sleep(0.1)
        raise AssertionError("the job did not end")


@pytest.fixture
def portal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Browser, Path]]:
    for var, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test")):
        monkeypatch.setenv(var, value)
    requests = {
        "clusters": [{"name": "eda", "size": "small", "idle_minutes": 30}],
        "notebooks": [{"name": "nb1", "instance_type": "ml.t3.medium"}],
    }
    root = make_zone(tmp_path, requests=requests)
    spec_file = root / "projects" / f"{PROJECT}.yaml"
    spec = yaml.safe_load(spec_file.read_text())
    spec["approvers"] = [ME]
    spec_file.write_text(yaml.safe_dump(spec))
    patch_moto()
    with mock_aws():
        zone = load_zone(root)
        _client("s3").create_bucket(
            Bucket=zone.platform.bucket_name("audit"), CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        projects, actions = zone_buttons(root, "local", ZoneAccess(zone, _client, local=True), ME)
        server = uvicorn.Server(
            uvicorn.Config(create_app(Zone(projects, _client), TOKEN, actions), host="127.0.0.1", port=free_port())
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        browser = Browser(f"http://127.0.0.1:{server.config.port}")
        assert browser.get(f"/?token={TOKEN}")[0] == 200
        yield browser, root
        server.should_exit = True
        thread.join(10)


def _version(registered_by: str) -> tuple[int, str]:
    sm = _client("sagemaker")
    if not sm.list_model_package_groups(NameContains=GROUP)["ModelPackageGroupSummaryList"]:
        sm.create_model_package_group(ModelPackageGroupName=GROUP)
    arn = sm.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus="PendingManualApproval",
        CustomerMetadataProperties={"mlzone:registered_by": registered_by},
    )["ModelPackageArn"]
    return int(arn.rsplit("/", 1)[1]), arn


def test_an_approver_approves_another_persons_version_with_a_reason_and_the_record_is_kept(portal) -> None:
    browser, root = portal
    version, arn = _version(registered_by=OTHER)
    _, page = browser.get(f"/projects/{PROJECT}")
    assert f'value="fraud-scorer/{version}"' in page and 'data-action="approve"' in page
    _, job = browser.post(
        f"/projects/{PROJECT}/actions/approve",
        {"name": f"fraud-scorer/{version}", "reason": "AUC 0.91 on the October hold-out, above the bar"},
    )
    state = browser.job(job)
    assert state["state"] == "done", state
    package = _client("sagemaker").describe_model_package(ModelPackageName=arn)
    assert package["ModelApprovalStatus"] == "Approved"
    audit = load_zone(root).platform.bucket_name("audit")
    [key] = [o["Key"] for o in _client("s3").list_objects_v2(Bucket=audit, Prefix="approvals/")["Contents"]]
    record = json.loads(_client("s3").get_object(Bucket=audit, Key=key)["Body"].read())
    assert (record["caller_arn"], record["reason"]) == (CALLER, "AUC 0.91 on the October hold-out, above the bar")
    assert 'data-action="approve"' not in browser.get(f"/projects/{PROJECT}")[1], "decided once"


def test_four_eyes_the_registering_identity_is_refused(portal) -> None:
    browser, _ = portal
    version, arn = _version(registered_by=CALLER)
    _, job = browser.post(
        f"/projects/{PROJECT}/actions/approve",
        {"name": f"fraud-scorer/{version}", "reason": "I trained it and I like it very much"},
    )
    state = browser.job(job)
    assert state["state"] == "refused" and "cannot also decide on it (four eyes)" in state["error"]
    package = _client("sagemaker").describe_model_package(ModelPackageName=arn)
    assert package["ModelApprovalStatus"] == "PendingManualApproval"


def test_a_short_reason_is_refused_before_any_job(portal) -> None:
    browser, _ = portal
    version, _ = _version(registered_by=OTHER)
    _, page = browser.post(f"/projects/{PROJECT}/actions/approve", {"name": f"fraud-scorer/{version}", "reason": "ok"})
    assert "Refused" in page and "the reason has 2 characters" in page


def test_only_approvers_and_only_projects_with_guardrails_get_those_buttons(portal) -> None:
    browser, _ = portal
    _, churn = browser.get("/projects/churn")  # no guardrails, and moto's user is not its approver
    assert 'data-action="request-cluster"' not in churn and 'data-action="approve"' not in churn
    _, mine = browser.get(f"/projects/{PROJECT}")
    assert '<select name="size"><option selected>small</option><option>medium</option></select>' in mine
    assert 'name="idle_minutes" min="5" max="240"' in mine


def test_a_cluster_request_that_is_not_valid_is_refused_before_any_job(portal) -> None:
    browser, root = portal
    _, page = browser.post(
        f"/projects/{PROJECT}/actions/request-cluster", {"name": "x", "size": "small", "idle_minutes": "lots"}
    )
    assert "Refused" in page and "whole idle minutes" in page
    _, page = browser.post(f"/projects/{PROJECT}/actions/terminate-cluster", {"name": "nope"})
    assert "cluster 'nope' was not requested through self-service (requested: eda)" in page
    assert not (root / ".mlzone").exists(), "nothing ran"


def test_connection_settings_point_sparkmagic_at_livy_on_the_primary_node() -> None:
    dns = "ip-10-20-1-5.eu-west-1.compute.internal"
    assert connection.livy_url(dns) == f"http://{dns}:8998"
    config = json.loads(connection.sparkmagic_config(dns))
    for kernel in ("kernel_python_credentials", "kernel_scala_credentials"):
        assert config[kernel] == {"username": "", "password": "", "url": f"http://{dns}:8998", "auth": "None"}


def test_the_notebook_form_offers_only_the_allowed_instance_types_and_checks_what_is_posted(portal) -> None:
    browser, root = portal
    _, page = browser.get(f"/projects/{PROJECT}")
    options = "<option selected>ml.t3.medium</option><option>ml.m5.xlarge</option>"
    assert f'<select name="instance_type">{options}</select>' in page
    assert 'data-action="request-notebook"' in page
    _, page = browser.post(
        f"/projects/{PROJECT}/actions/request-notebook", {"name": "nb2", "instance_type": "t3.medium"}
    )
    assert (
        "Refused" in page and "not a SageMaker instance type" in page and "fix: pick an allowed instance type" in page
    )
    _, page = browser.post(f"/projects/{PROJECT}/actions/delete-notebook", {"name": f"{PROJECT}--nope"})
    assert "notebook 'nope' was not requested through self-service (requested: nb1)" in page
    assert not (root / ".mlzone").exists(), "nothing ran"


def test_only_a_requested_notebook_gets_the_delete_button(portal) -> None:
    browser, _ = portal
    sagemaker = _client("sagemaker")
    for name in ("nb1", "alice"):  # nb1 was requested; alice is the reviewed spec's notebook
        sagemaker.create_notebook_instance(
            NotebookInstanceName=f"{PROJECT}--{name}",
            InstanceType="ml.t3.medium",
            RoleArn="arn:aws:iam::123456789012:role/fraud-detection--notebook",
        )
    _, page = browser.get(f"/projects/{PROJECT}")
    rows = {row.split('"', 1)[0]: row for row in page.split('data-ref="')[1:]}
    assert 'data-action="delete-notebook"' in rows[f"{PROJECT}--nb1"]
    assert 'data-action="delete-notebook"' not in rows[f"{PROJECT}--alice"]
