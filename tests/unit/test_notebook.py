"""Notebook: private, no internet, no root, project-key volume, a role scoped to the project."""

from __future__ import annotations

import base64

import pytest

from modules.notebook import Notebook, NotebookProps
from tests.conftest import only, resources, synth
from tests.unit.project_scope import GROUPS, KEY, actions, scope, stack, statements

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def doc() -> dict:
    s = stack()
    Notebook(s, "notebook-alice", NotebookProps(project=scope(), owner="alice", idle_stop_minutes=45, subnet_index=1))
    return synth(s)


def test_notebook_is_private_and_encrypted(doc):
    nb = only(doc, "aws_sagemaker_notebook_instance")
    assert nb["name"] == "team-a--alice"
    assert nb["direct_internet_access"] == "Disabled"
    assert nb["root_access"] == "Disabled"
    assert nb["kms_key_id"] == KEY
    assert nb["subnet_id"] == '${element(["subnet-1", "subnet-2"], 1)}'
    assert nb["security_groups"] == [GROUPS["notebooks"]]  # the project's own group, nothing shared
    assert nb["instance_metadata_service_configuration"] == {"minimum_instance_metadata_service_version": "2"}
    assert "platform_identifier" not in nb  # moto rejects it; AWS picks the current platform


def test_idle_stop_lifecycle(doc):
    lifecycle = only(doc, "aws_sagemaker_notebook_instance_lifecycle_configuration")
    script = base64.b64decode(lifecycle["on_start"]).decode()
    assert "mlzone-idle-stop.py 45" in script and "stop-notebook-instance" in script
    nb = only(doc, "aws_sagemaker_notebook_instance")
    assert nb["lifecycle_config_name"].startswith("${aws_sagemaker_notebook_instance_lifecycle_configuration.")


def test_no_lifecycle_when_idle_stop_is_off():
    s = stack()
    Notebook(s, "nb", NotebookProps(project=scope(), owner="bob", idle_stop_minutes=None))
    doc = synth(s)
    assert not resources(doc, "aws_sagemaker_notebook_instance_lifecycle_configuration")
    assert "lifecycle_config_name" not in only(doc, "aws_sagemaker_notebook_instance")


def test_role_reaches_the_project_and_nothing_else(doc):
    role = only(doc, "aws_iam_role")
    assert role["name"] == "team-a--nb-alice" and role["path"] == "/mlzone/team-a/"
    assert role["permissions_boundary"].endswith("team-a--boundary")
    st = statements(doc, "notebook-alice_role_policy")
    assert st["DataObjects"]["Resource"] == "arn:aws:s3:::acme-data/team-a/*"
    assert set(actions(st["CapturesObjects"])) == {"s3:GetObject", "s3:GetObjectVersion"}  # read-only
    assert st["CapturesObjects"]["Resource"] == "arn:aws:s3:::acme-predictions/team-a/*"
    assert st["ProjectKey"]["Resource"] == KEY
    assert st["EcrRepositories"]["Resource"].endswith(":repository/team-a/*")
    assert not any(a.startswith("ecr:Put") for a in actions(st["EcrRepositories"]))  # pull only
    assert st["StopItself"]["Resource"].endswith(":notebook-instance/team-a--alice")
    every_resource = [
        r for s in st.values() for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    ]
    assert all("*" != a for s in st.values() for a in actions(s))
    assert [r for r in every_resource if r == "*"] == ["*"]  # only ecr:GetAuthorizationToken, which has no resource


def test_logs_go_to_the_projects_own_streams_of_the_shared_group(doc):
    """/aws/sagemaker/NotebookInstances is one group for the whole account: write only team-a--* streams."""
    st = statements(doc, "notebook-alice_role_policy")
    group = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/sagemaker/NotebookInstances"
    assert st["OwnLogStreams"]["Resource"] == f"{group}:log-stream:team-a--*"
    assert set(actions(st["OwnLogStreams"])) == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert st["SharedLogGroup"] == {
        "Sid": "SharedLogGroup",
        "Effect": "Allow",
        "Action": "logs:CreateLogGroup",
        "Resource": group,
    }  # the exact group, no stream
    logs = [
        r
        for s in st.values()
        if any(a.startswith("logs:") for a in actions(s))
        for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    ]
    assert all(r == group or r.endswith(":log-stream:team-a--*") for r in logs), logs


def test_opt_outs_need_a_reason():
    with pytest.raises(ValueError, match="allow_root_access_reason needs a real reason"):
        NotebookProps(project=scope(), owner="alice", allow_root_access_reason="want")
    s = stack()
    Notebook(
        s,
        "nb",
        NotebookProps(
            project=scope(), owner="alice", allow_root_access_reason="installs a kernel that needs system packages"
        ),
    )
    assert only(synth(s), "aws_sagemaker_notebook_instance")["root_access"] == "Enabled"


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"idle_stop_minutes": 2}, r"idle_stop_minutes=2; fix: use 5 to 1440"),
        ({"volume_size_gb": 1}, r"volume_size_gb=1; fix: use 5 to 16384"),
        ({"allow_internet_reason": "short"}, r"allow_internet_reason needs a real reason"),
    ],
)
def test_validation(fields, match):
    with pytest.raises(ValueError, match=match):
        NotebookProps(project=scope(), owner="alice", **fields)


def test_name_too_long_fails_before_synth():
    with pytest.raises(ValueError, match=r"over the 63-character AWS limit; fix: shorten"):
        Notebook(stack(), "nb", NotebookProps(project=scope(), owner="o" * 60))


def test_example_notebook(example_synth):
    nb = only(example_synth["fraud-detection"], "aws_sagemaker_notebook_instance")
    assert nb["kms_key_id"].startswith("${aws_kms_key.data-key_")  # the project's own key
    assert "data.terraform_remote_state.platform.outputs.subnet_ids" in nb["subnet_id"]
