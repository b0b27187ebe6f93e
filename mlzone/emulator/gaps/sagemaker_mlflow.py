"""moto gaps of SageMaker: MLflow tracking servers, and tags on tracking-server and notebook
lifecycle-config ARNs."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mlzone import tracking
from mlzone.emulator.gaps import store
from mlzone.emulator.gaps.sagemaker import RESPONSE
from mlzone.emulator.registry import fills


@dataclass
class TrackingServer:
    """A SageMaker managed MLflow tracking server as the emulator keeps it."""

    name: str
    arn: str
    request: dict[str, Any]
    tags: list[dict[str, str]] = field(default_factory=list)
    created: float = field(default_factory=time.time)

    def describe(self) -> dict[str, Any]:
        req = self.request
        return {
            "TrackingServerArn": self.arn,
            "TrackingServerName": self.name,
            "ArtifactStoreUri": req.get("ArtifactStoreUri"),
            "TrackingServerSize": req.get("TrackingServerSize", "Small"),
            "MlflowVersion": req.get("MlflowVersion") or "2.16.2",
            "RoleArn": req.get("RoleArn"),
            "TrackingServerStatus": "Created",
            "IsActive": "Active",
            # mlzone.tracking hook: the real local MLflow server's URL, when one runs with this emulator
            "TrackingServerUrl": os.environ.get(tracking.TRACKING_URL_ENV) or f"https://{self.name}.mlflow.local",
            "WeeklyMaintenanceWindowStart": req.get("WeeklyMaintenanceWindowStart") or "Sun:00:00",
            "AutomaticModelRegistration": bool(req.get("AutomaticModelRegistration", False)),
            "CreationTime": self.created,
            "LastModifiedTime": self.created,
        }


def _tracking_servers(backend: Any) -> dict[str, TrackingServer]:
    return store(backend, "tracking_servers")


def _tracking_server(self: Any) -> TrackingServer:
    from moto.sagemaker.exceptions import ResourceNotFound

    name = self._get_param("TrackingServerName")
    server = _tracking_servers(self.sagemaker_backend).get(name)
    if server is None:
        raise ResourceNotFound(message=f"Tracking server {name} does not exist.")
    return server


@fills("sagemaker", "CreateMlflowTrackingServer", on=RESPONSE)
def sagemaker_create_mlflow_tracking_server(self: Any) -> Any:
    """moto gap: SageMaker `CreateMlflowTrackingServer` (aws_sagemaker_mlflow_tracking_server)."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ResourceInUseException

    backend, name = self.sagemaker_backend, self._get_param("TrackingServerName")
    servers = _tracking_servers(backend)
    if name in servers:
        raise ResourceInUseException(message=f"Tracking server {name} already exists.")
    arn = f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:mlflow-tracking-server/{name}"
    request = {
        k: self._get_param(k)
        for k in (
            "ArtifactStoreUri",
            "TrackingServerSize",
            "MlflowVersion",
            "RoleArn",
            "AutomaticModelRegistration",
            "WeeklyMaintenanceWindowStart",
        )
    }
    servers[name] = TrackingServer(name=name, arn=arn, request=request, tags=list(self._get_param("Tags") or []))
    return ActionResult({"TrackingServerArn": arn})


@fills("sagemaker", "DescribeMlflowTrackingServer", on=RESPONSE)
def sagemaker_describe_mlflow_tracking_server(self: Any) -> Any:
    """moto gap: SageMaker `DescribeMlflowTrackingServer` (always `Created`: nothing to wait for)."""
    from moto.core.responses import ActionResult

    return ActionResult(_tracking_server(self).describe())


@fills("sagemaker", "UpdateMlflowTrackingServer", on=RESPONSE)
def sagemaker_update_mlflow_tracking_server(self: Any) -> Any:
    """moto gap: SageMaker `UpdateMlflowTrackingServer`."""
    from moto.core.responses import ActionResult

    server = _tracking_server(self)
    for key in ("ArtifactStoreUri", "TrackingServerSize", "AutomaticModelRegistration", "WeeklyMaintenanceWindowStart"):
        if self._get_param(key) is not None:
            server.request[key] = self._get_param(key)
    return ActionResult({"TrackingServerArn": server.arn})


@fills("sagemaker", "DeleteMlflowTrackingServer", on=RESPONSE)
def sagemaker_delete_mlflow_tracking_server(self: Any) -> Any:
    """moto gap: SageMaker `DeleteMlflowTrackingServer`."""
    from moto.core.responses import ActionResult

    server = _tracking_server(self)
    del _tracking_servers(self.sagemaker_backend)[server.name]
    return ActionResult({"TrackingServerArn": server.arn})


@fills(
    "sagemaker",
    "ListTags",
    "AddTags",
    "DeleteTags",
    on="moto.sagemaker.models:SageMakerModelBackend",
    attr="_get_resource_from_arn",
    wraps=True,
)
def sagemaker_tagged_resources(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto gap: SageMaker `ListTags`/`AddTags`/`DeleteTags` know neither MLflow tracking-server nor
    notebook-instance-lifecycle-config ARNs (HTTP 500)."""

    def _get_resource_from_arn(self: Any, arn: str) -> Any:
        kind, _, name = arn.split(":")[-1].partition("/")
        if kind == "mlflow-tracking-server":
            return _tracking_servers(self).get(name)
        if kind == "notebook-instance-lifecycle-config":
            config = self.notebook_instance_lifecycle_configurations.get(name)
            if config is not None and not hasattr(config, "tags"):
                config.tags = []
            return config
        return original(self, arn)

    return _get_resource_from_arn
