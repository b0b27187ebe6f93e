"""Reading a deployed zone without changing it: its specs, a boto3 client factory for its target, and
the names of its buckets and endpoints. Used by read-only commands (trace, predictions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlzone.clients import clients
from mlzone.emulator import kept_url
from mlzone.errors import Failure
from modules.layout import WORK_DIR
from modules.naming import project_name
from stacks.spec import Zone, load_zone


class NotDeployed(Failure):
    """Nothing is deployed where the command looks (exit 1; the message says how to deploy)."""


@dataclass
class ZoneAccess:
    zone: Zone
    client: Callable[[str], Any]
    local: bool

    def bucket(self, purpose: str) -> str:
        """A platform bucket's name (`audit`, `predictions`, …)."""
        return self.zone.platform.bucket_name(purpose)

    def tracking_url(self, project: str) -> str:
        """The tracking URI of `project`'s runs: its own server's, else the platform's shared one's."""
        sagemaker = self.client("sagemaker")
        for name in (project_name(project, "mlflow"), f"{self.zone.platform.name}-mlflow"):
            try:
                server = sagemaker.describe_mlflow_tracking_server(TrackingServerName=name)
            except sagemaker.exceptions.ClientError:
                continue
            return server["TrackingServerUrl"] if self.local else server["TrackingServerArn"]
        raise NotDeployed(f"project {project!r} has no tracking server; fix: `mlzone deploy {project}`")

    def data_key_alias(self) -> str:
        """The platform data key, by alias."""
        return f"alias/{self.zone.platform.name}-data"

    def operator(self) -> str:
        """The caller's identity (STS), as recorded on the audit trail."""
        return self.client("sts").get_caller_identity()["Arn"]

    def endpoints(self) -> list[tuple[str, str]]:
        """(project, endpoint physical name) of every endpoint in the zone."""
        return [(p.name, project_name(p.name, e.name)) for p in self.zone.projects for e in p.endpoints]

    def batch_jobs(self) -> list[tuple[str, str]]:
        """(project, batch job name) of every batch job in the zone."""
        return [(p.name, j.name) for p in self.zone.projects for j in p.batch_jobs]


def open_zone(root: Path, target: str) -> ZoneAccess:
    """The zone in `root` on `target`; on the local target the running (kept) emulator."""
    zone = load_zone(root)
    if target == "aws":
        return ZoneAccess(zone, clients(zone.platform.region, None), local=False)
    url = kept_url(root.resolve() / WORK_DIR)
    if url is None:
        raise NotDeployed(
            "no local emulator is running, so nothing is deployed on the local target; fix: `mlzone deploy`"
        )
    return ZoneAccess(zone, clients(zone.platform.region, url), local=True)
