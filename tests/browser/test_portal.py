"""The portal in a real browser: headless Chromium (Debian's package) driven by Playwright.

A moto server stands in for AWS; the portal runs in uvicorn on 127.0.0.1 with its token. Sign in
with the token, see the project's notebook and its "open" link (a presigned URL), stop it and watch the
job's progress, see it stopped and the request on the audit record; a wrong token gets 401 and nothing
rendered; a post naming another project's notebook is refused with the reason. The self-service
buttons (requests that apply Terraform) are in test_portal_self_service.py.
"""

from __future__ import annotations

import html
import threading
import time
import urllib.request
from collections.abc import Iterator

import boto3
import pytest
import uvicorn
from moto.server import ThreadedMotoServer

from mlzone.emulator import patch_moto
from mlzone.portal.actions import notebook_power
from mlzone.portal.app import Zone, create_app
from mlzone.process import free_port

pytestmark = pytest.mark.browser
REGION, AUDIT, TOKEN = "eu-west-1", "acme-ml-audit-eu-west-1", "t0ken-for-this-test-only"
NOTEBOOK = "fraud-detection--alice"


@pytest.fixture
def portal() -> Iterator[tuple[str, object]]:
    patch_moto()  # mlzone's emulator gap handlers, as `mlzone deploy` installs them
    aws_port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=aws_port, verbose=False)
    moto.start()
    creds = {
        "endpoint_url": f"http://127.0.0.1:{aws_port}",
        "region_name": REGION,
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
    }

    def client(service: str):
        return boto3.client(service, **creds)

    urllib.request.urlopen(urllib.request.Request(f"{creds['endpoint_url']}/moto-api/reset", method="POST"))

    client("s3").create_bucket(
        Bucket=AUDIT, CreateBucketConfiguration={"LocationConstraint": REGION}, ObjectLockEnabledForBucket=True
    )
    for owner in ("alice", "bob"):
        client("sagemaker").create_notebook_instance(
            NotebookInstanceName=f"fraud-detection--{owner}",
            InstanceType="ml.t3.medium",
            RoleArn="arn:aws:iam::123456789012:role/fraud-detection--notebook",
        )
    client("sagemaker").create_notebook_instance(
        NotebookInstanceName="churn--carol",
        InstanceType="ml.t3.medium",
        RoleArn="arn:aws:iam::123456789012:role/churn--notebook",
    )
    buttons = {v: notebook_power(v, client, AUDIT, "arn:aws:iam::123456789012:user/alice") for v in ("start", "stop")}
    app = create_app(
        Zone({"fraud-detection": {"models": [], "budget": 2000}, "churn": {"models": []}}, client),
        TOKEN,
        {"fraud-detection": buttons, "churn": buttons},
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", client
    server.should_exit = True
    thread.join(10)
    moto.stop()


def test_a_wrong_or_missing_token_gets_401_and_nothing_rendered(portal, page) -> None:
    url, _ = portal
    for path in ("/?token=wrong", "/", "/projects/fraud-detection"):
        response = page.goto(url + path)
        assert response.status == 401, path
        assert "fraud-detection" not in page.content() and NOTEBOOK not in page.content()


def test_sign_in_see_the_notebook_stop_it_and_watch_progress(portal, page) -> None:
    url, client = portal
    page.goto(f"{url}/?token={TOKEN}")
    page.click("text=fraud-detection")
    row = page.locator("#resources tr", has_text=NOTEBOOK)
    assert "InService" in row.inner_text()
    assert "churn--carol" not in page.content(), "another project's notebook is not shown"
    assert "of a $2000 budget" in page.content()
    assert row.locator("a.open").get_attribute("href") == f"/projects/fraud-detection/notebooks/{NOTEBOOK}/open"
    opened = page.request.get(f"{url}/projects/fraud-detection/notebooks/{NOTEBOOK}/open", max_redirects=0)
    assert opened.status == 303 and "?authToken=" in opened.headers["location"], "a presigned notebook URL"
    row.locator("button[data-action=stop]").click()
    page.wait_for_selector("#state.done", timeout=30_000)
    assert page.inner_text("#step") == "done" and page.inner_text("#error") == ""
    page.click("text=Back to fraud-detection")
    stopped = page.locator("#resources tr", has_text=NOTEBOOK)
    assert "Stopped" in stopped.inner_text() and stopped.locator("button[data-action=start]").count() == 1
    s3 = client("s3")
    [key] = [o["Key"] for o in s3.list_objects_v2(Bucket=AUDIT, Prefix="requests/fraud-detection/")["Contents"]]
    record = s3.get_object(Bucket=AUDIT, Key=key)["Body"].read().decode()
    assert f"stop notebook {NOTEBOOK}" in record and '"outcome": "Stopped"' in record


def test_another_projects_notebook_is_refused_with_the_reason(portal, page) -> None:
    url, client = portal
    page.goto(f"{url}/?token={TOKEN}")
    page.goto(f"{url}/projects/fraud-detection")
    assert page.locator("#resources tr", has_text="churn--carol").count() == 0, "its row is not on the page"
    refused = page.request.post(f"{url}/projects/fraud-detection/actions/stop", form={"name": "churn--carol"})
    assert "'churn--carol' is not one of project fraud-detection" in html.unescape(refused.text())
    status = client("sagemaker").describe_notebook_instance(NotebookInstanceName="churn--carol")
    assert status["NotebookInstanceStatus"] == "InService", "nothing was done"
