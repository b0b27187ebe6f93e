"""A SageMaker notebook instance for one person of a project.

Private by construction: it runs in a private subnet of the platform VPC with the project's
`notebooks` security group (HTTPS to the AWS endpoints, and the project's own Spark clusters'
Livy/JEG/YARN ports; nothing reaches it), has no direct internet access (AWS APIs are reached
through the VPC endpoints), no root access, an EBS volume encrypted with the project key, and
IMDSv2 only. Its execution role may read and write the project's data prefix, read the project's
captures and model registry, use the project's MLflow tracking server, write its own log streams
(`<project>--<owner>/...`) of the account-wide `/aws/sagemaker/NotebookInstances` group, stop
itself, and nothing else. A lifecycle configuration stops the instance after N idle minutes (no
kernel activity), so forgotten notebooks do not run all weekend.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.sagemaker_notebook_instance import SagemakerNotebookInstance
from cdktf_cdktf_provider_aws.sagemaker_notebook_instance_lifecycle_configuration import (
    SagemakerNotebookInstanceLifecycleConfiguration,
)
from constructs import Construct

from modules.grants import allow
from modules.naming import SAGEMAKER_NAME_MAX
from modules.project_role import NOTEBOOK_LOG_GROUP, ProjectRole, ProjectRoleProps, ProjectScope, require_reasons
from modules.settings import NotebookSettings, check_limits

SAGEMAKER = "sagemaker.amazonaws.com"
# Runs at every start: a cron job that stops the instance once every kernel has been idle for the limit.
IDLE_STOP_SCRIPT = """#!/bin/bash
set -euo pipefail
cat > /usr/local/bin/mlzone-idle-stop.py <<'PY'
import datetime, json, ssl, subprocess, sys, urllib.request
limit = datetime.timedelta(minutes=int(sys.argv[1]))
ctx = ssl._create_unverified_context()  # the local Jupyter server's self-signed certificate
sessions = json.load(urllib.request.urlopen("https://localhost:8443/api/sessions", context=ctx))
now = datetime.datetime.now(datetime.timezone.utc)
for s in sessions:
    kernel = s["kernel"]
    last = datetime.datetime.fromisoformat(kernel["last_activity"].replace("Z", "+00:00"))
    if kernel["execution_state"] == "busy" or now - last < limit:
        sys.exit(0)
uptime = float(open("/proc/uptime").read().split()[0])
if sessions or uptime > limit.total_seconds():
    name = json.load(open("/opt/ml/metadata/resource-metadata.json"))["ResourceName"]
    subprocess.run(["aws", "sagemaker", "stop-notebook-instance", "--notebook-instance-name", name], check=True)
PY
echo "*/5 * * * * root /usr/bin/python3 /usr/local/bin/mlzone-idle-stop.py __IDLE_MINUTES__" > /etc/cron.d/mlzone-idle-stop
"""  # noqa: E501 (the script's bytes are the deployed lifecycle configuration)


@dataclass(frozen=True, kw_only=True)
class NotebookProps(NotebookSettings):
    """One notebook per owner; every default is the locked-down choice (instance type, volume and idle
    stop: `NotebookSettings`)."""

    project: ProjectScope
    """The project (key, prefixes, network, boundary)."""
    owner: str
    """Person the instance belongs to; the instance is <project>--<owner>."""
    subnet_index: int = 0
    """Which private subnet (wraps around the AZs)."""
    allow_internet_reason: str | None = None
    """Opt-out: direct internet access (bypasses the VPC controls)."""
    allow_root_access_reason: str | None = None
    """Opt-out: root access for the notebook user."""

    def __post_init__(self) -> None:
        check_limits(f"notebook {self.owner}", self)
        require_reasons(
            f"notebook {self.owner}",
            allow_internet_reason=self.allow_internet_reason,
            allow_root_access_reason=self.allow_root_access_reason,
        )


class Notebook(Construct):
    """Outputs: `name`, `arn`, `role_arn`."""

    def __init__(self, scope: Construct, id: str, props: NotebookProps) -> None:
        super().__init__(scope, id)
        p = props.project
        name = p.resource_name(props.owner, max_len=SAGEMAKER_NAME_MAX)
        self.role = ProjectRole(
            self,
            "role",
            ProjectRoleProps(
                project=p,
                name=f"nb-{props.owner}",
                service=SAGEMAKER,
                statements=(
                    *p.data_statements(write=True),
                    *p.capture_read_statements(),
                    *p.registry_statements(),
                    *p.mlflow_statements(),
                    *p.log_stream_statements(NOTEBOOK_LOG_GROUP),
                    allow(
                        "StopItself",
                        ["sagemaker:StopNotebookInstance", "sagemaker:DescribeNotebookInstance"],
                        p.arn("sagemaker", f"notebook-instance/{name}"),
                    ),
                ),
            ),
        )
        lifecycle = None
        if props.idle_stop_minutes is not None:
            script = IDLE_STOP_SCRIPT.replace("__IDLE_MINUTES__", str(props.idle_stop_minutes))
            lifecycle = SagemakerNotebookInstanceLifecycleConfiguration(
                self,
                "idle-stop",
                name=f"{name}-idle-stop"[:SAGEMAKER_NAME_MAX],
                on_start=base64.b64encode(script.encode()).decode(),
            )
        self.instance = SagemakerNotebookInstance(
            self,
            "instance",
            name=name,
            role_arn=self.role.arn,
            instance_type=props.instance_type,
            volume_size=props.volume_size_gb,
            kms_key_id=p.key_arn,
            subnet_id=p.subnet_id(props.subnet_index),
            security_groups=[p.security_group("notebooks")],
            direct_internet_access="Enabled" if props.allow_internet_reason else "Disabled",
            root_access="Enabled" if props.allow_root_access_reason else "Disabled",
            instance_metadata_service_configuration={"minimum_instance_metadata_service_version": "2"},
            lifecycle_config_name=lifecycle.name if lifecycle else None,
        )
        self.name = self.instance.name
        self.arn = self.instance.arn
        self.role_arn = self.role.arn
