"""The local target: a moto server on loopback, with the few AWS APIs moto lacks filled in here.

`Emulator` starts `python -m mlzone.emulator serve --port N` (moto's werkzeug app after `patch_moto()`)
on 127.0.0.1 on a free port with `MOTO_IAM_LOAD_MANAGED_POLICIES=true`, waits until it answers, and
stops it on exit unless asked to keep it (then `.mlzone/emulator.json` lets later commands reuse it).
Everything it writes stays under the project's work folder (`.mlzone/`).

Each moto gap the example needs is one small handler below, named after the missing API. Resource
types the emulator cannot run at all are listed in `UNSUPPORTED`; the local plan names them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from mlzone import tracking

HOST = "127.0.0.1"
START_TIMEOUT = 60  # seconds until moto must answer
STATE_FILE = "emulator.json"  # in the work folder: the kept emulator's pid and url

# Resource types moto cannot create even with the handlers below: {type: why}. The local plan lists
# any of these it finds, so nothing is skipped silently. Empty while every example resource runs.
UNSUPPORTED: dict[str, str] = {}


# --------------------------------------------------------------------------- moto gap handlers
# Each handler is a method added to a moto response class (moto dispatches on the snake_case action
# name) or a thin wrapper around one; state lives on moto's per-account/region backend objects.


def emr_get_auto_termination_policy(self: Any) -> Any:
    """moto gap: EMR `GetAutoTerminationPolicy` (the provider calls it on every refresh of aws_emr_cluster)."""
    from moto.core.responses import ActionResult

    policy = _emr_policies(self.backend).get(self._get_param("ClusterId"))
    return ActionResult({"AutoTerminationPolicy": policy} if policy else {})


def emr_put_auto_termination_policy(self: Any) -> Any:
    """moto gap: EMR `PutAutoTerminationPolicy` (changing a cluster's idle timeout)."""
    from moto.core.responses import EmptyResult

    _emr_policies(self.backend)[self._get_param("ClusterId")] = self._get_param("AutoTerminationPolicy")
    return EmptyResult()


def emr_remove_auto_termination_policy(self: Any) -> Any:
    """moto gap: EMR `RemoveAutoTerminationPolicy`."""
    from moto.core.responses import EmptyResult

    _emr_policies(self.backend).pop(self._get_param("ClusterId"), None)
    return EmptyResult()


def emr_run_job_flow_keeping_settings(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """moto gap: EMR `RunJobFlow` ignores `AutoTerminationPolicy` and `LogEncryptionKmsKeyId`, so every
    re-plan would replace the cluster; keep both (DescribeCluster then returns the key)."""

    def run_job_flow(self: Any) -> Any:
        before = set(self.backend.clusters)
        result = original(self)
        policy = self._get_param("AutoTerminationPolicy")
        for cluster_id in set(self.backend.clusters) - before:
            self.backend.clusters[cluster_id].log_encryption_kms_key_id = self._get_param("LogEncryptionKmsKeyId")
            if policy:
                _emr_policies(self.backend)[cluster_id] = policy
        return result

    return run_job_flow


def _store(backend: Any, name: str) -> dict[str, Any]:
    """A dict kept on a moto backend object (one per account and region), created on first use."""
    attr = f"mlzone_{name}"
    if not hasattr(backend, attr):
        setattr(backend, attr, {})
    return getattr(backend, attr)


def _emr_policies(backend: Any) -> dict[str, Any]:
    return _store(backend, "auto_termination")


def emr_get_managed_scaling_policy(self: Any) -> Any:
    """moto gap: EMR `GetManagedScalingPolicy` (aws_emr_managed_scaling_policy)."""
    from moto.core.responses import ActionResult

    policy = _store(self.backend, "managed_scaling").get(self._get_param("ClusterId"))
    return ActionResult({"ManagedScalingPolicy": policy} if policy else {})


def emr_put_managed_scaling_policy(self: Any) -> Any:
    """moto gap: EMR `PutManagedScalingPolicy`."""
    from moto.core.responses import EmptyResult

    _store(self.backend, "managed_scaling")[self._get_param("ClusterId")] = self._get_param("ManagedScalingPolicy")
    return EmptyResult()


def emr_remove_managed_scaling_policy(self: Any) -> Any:
    """moto gap: EMR `RemoveManagedScalingPolicy`."""
    from moto.core.responses import EmptyResult

    _store(self.backend, "managed_scaling").pop(self._get_param("ClusterId"), None)
    return EmptyResult()


def emr_serverless_create_application(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto gaps: EMR Serverless `CreateApplication` accepts only `SPARK`/`HIVE` where AWS (and the
    provider's examples) take any case, e.g. `spark`; and it starts the application at once (`STARTED`),
    where AWS leaves it `CREATED` until used, the state the provider waits for."""

    def create_application(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs["application_type"] = kwargs["application_type"].upper()
        application = original(self, *args, **kwargs)
        application.state = "CREATED"
        return application

    return create_application


def emr_serverless_create_application_keeping_architecture(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """moto gap: EMR Serverless `CreateApplication` ignores `architecture` (GetApplication then lacks it)."""

    def create_application(self: Any) -> Any:
        result = original(self)
        application = self.emrserverless_backend.applications[result.result["applicationId"]]
        application.architecture = self._get_param("architecture") or "X86_64"  # the AWS default
        return result

    return create_application


def autoscaling_register_scalable_target_keeping_tags(original: Callable[[Any], str]) -> Callable[[Any], str]:
    """moto gap: Application Auto Scaling `RegisterScalableTarget` ignores `Tags`."""

    def register_scalable_target(self: Any) -> str:
        reply = original(self)
        if self._get_param("Tags"):
            arn = json.loads(reply)["ScalableTargetARN"]
            _store(self.applicationautoscaling_backend, "tags")[arn] = dict(self._get_param("Tags"))
        return reply

    return register_scalable_target


def autoscaling_list_tags_for_resource(self: Any) -> str:
    """moto gap: Application Auto Scaling `ListTagsForResource` (read on every refresh of aws_appautoscaling_target)."""
    tags = _store(self.applicationautoscaling_backend, "tags").get(self._get_param("ResourceARN"), {})
    return json.dumps({"Tags": tags})


def autoscaling_tag_resource(self: Any) -> str:
    """moto gap: Application Auto Scaling `TagResource`."""
    tags = _store(self.applicationautoscaling_backend, "tags").setdefault(self._get_param("ResourceARN"), {})
    tags.update(self._get_param("Tags") or {})
    return json.dumps({})


def autoscaling_untag_resource(self: Any) -> str:
    """moto gap: Application Auto Scaling `UntagResource`."""
    tags = _store(self.applicationautoscaling_backend, "tags").get(self._get_param("ResourceARN"), {})
    for key in self._get_param("TagKeys") or []:
        tags.pop(key, None)
    return json.dumps({})


def s3_logging_target_permissions(target_bucket: Any, target_prefix: str | None) -> bool:
    """moto gap: S3 `PutBucketLogging` validates the target bucket's policy at call time. It answers 500
    when any statement has `"Principal": "*"` (our deny-insecure-transport statements) and 400 when the
    target's policy is not in place yet, an order Terraform does not guarantee (the logging and policy
    resources only share the bucket). Permissions are enforced nowhere else in moto, so accept."""
    return True


def s3_bucket_policy_without_conditions(self: Any, action: str, resource: str) -> Any:
    """moto gap: S3 checks object requests against the bucket policy with every `Condition` ignored, so a
    conditional Deny (TLS only: `aws:SecureTransport: false`) refuses every request with 403, e.g. the
    Terraform S3 backend on the state bucket `mlzone bootstrap` made. Evaluate unconditional statements only."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if self.policy is None:
        return PermissionResult.NEUTRAL
    doc = json.loads(self.policy)
    statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
    doc["Statement"] = [s for s in statements if "Condition" not in s]
    return IAMPolicy(json.dumps(doc)).is_action_permitted(action, resource)


def sagemaker_delete_model_package_group(self: Any) -> Any:
    """moto gap: SageMaker `DeleteModelPackageGroup` (destroying aws_sagemaker_model_package_group)."""
    from moto.core.responses import EmptyResult
    from moto.sagemaker.exceptions import ValidationError

    name = self._get_param("ModelPackageGroupName")
    if self.sagemaker_backend.model_package_groups.pop(name, None) is None:
        raise ValidationError(message=f"ModelPackageGroup {name} does not exist.")
    return EmptyResult()


def _model_package_group(self: Any) -> str:
    from moto.sagemaker.exceptions import ValidationError

    name = self._get_param("ModelPackageGroupName")
    if name not in self.sagemaker_backend.model_package_groups:
        raise ValidationError(message=f"ModelPackageGroup {name} does not exist.")
    return name


def sagemaker_put_model_package_group_policy(self: Any) -> Any:
    """moto gap: SageMaker `PutModelPackageGroupPolicy` (sharing a model with other projects)."""
    from moto.core.responses import ActionResult

    name = _model_package_group(self)
    _store(self.sagemaker_backend, "package_group_policies")[name] = self._get_param("ResourcePolicy")
    return ActionResult({"ModelPackageGroupArn": self.sagemaker_backend.model_package_groups[name].arn})


def sagemaker_get_model_package_group_policy(self: Any) -> Any:
    """moto gap: SageMaker `GetModelPackageGroupPolicy`."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ValidationError

    policy = _store(self.sagemaker_backend, "package_group_policies").get(_model_package_group(self))
    if policy is None:
        raise ValidationError(message="Cannot find resource policy.")
    return ActionResult({"ResourcePolicy": policy})


def sagemaker_delete_model_package_group_policy(self: Any) -> Any:
    """moto gap: SageMaker `DeleteModelPackageGroupPolicy`."""
    from moto.core.responses import EmptyResult

    _store(self.sagemaker_backend, "package_group_policies").pop(_model_package_group(self), None)
    return EmptyResult()


def sagemaker_lifecycle_config_keeping_tags(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """moto gap: SageMaker `CreateNotebookInstanceLifecycleConfig` ignores `Tags`."""

    def create_notebook_instance_lifecycle_config(self: Any) -> Any:
        result = original(self)
        name = self._get_param("NotebookInstanceLifecycleConfigName")
        config = self.sagemaker_backend.notebook_instance_lifecycle_configurations[name]
        config.tags = list(_raw_param(self, "Tags") or [])
        return result

    return create_notebook_instance_lifecycle_config


def sagemaker_create_model_keeping_isolation(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """moto gap: SageMaker `CreateModel` ignores `EnableNetworkIsolation`, so DescribeModel reads it back
    as false: Terraform would replace the model on every plan and gate 2 would see isolation off."""

    def create_model(self: Any) -> Any:
        result = original(self)
        model = self.sagemaker_backend.describe_model(self._get_param("ModelName"))
        model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
        return result

    return create_model


def _raw_param(self: Any, name: str) -> Any:
    """A request field read from the JSON body: moto's parser drops fields newer than its botocore model."""
    return json.loads(self.body or "{}").get(name)


def sagemaker_notebook_keeping_metadata_service(create: Callable[[Any], Any],
                                                describe: Callable[[Any], Any]) -> tuple[Callable[[Any], Any], ...]:
    """moto gap: SageMaker `CreateNotebookInstance` ignores `InstanceMetadataServiceConfiguration` (IMDSv2
    only), so DescribeNotebookInstance lacks it and every re-plan shows a change."""

    def create_notebook_instance(self: Any) -> Any:
        result = create(self)
        settings = _store(self.sagemaker_backend, "notebook_imds")
        settings[self._get_param("NotebookInstanceName")] = _raw_param(self, "InstanceMetadataServiceConfiguration")
        return result

    def describe_notebook_instance(self: Any) -> Any:
        result = describe(self)
        imds = _store(self.sagemaker_backend, "notebook_imds").get(self._get_param("NotebookInstanceName"))
        if imds:
            result.result["InstanceMetadataServiceConfiguration"] = imds
        return result

    return create_notebook_instance, describe_notebook_instance


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
    return _store(backend, "tracking_servers")


def _tracking_server(self: Any) -> TrackingServer:
    from moto.sagemaker.exceptions import ResourceNotFound

    name = self._get_param("TrackingServerName")
    server = _tracking_servers(self.sagemaker_backend).get(name)
    if server is None:
        raise ResourceNotFound(message=f"Tracking server {name} does not exist.")
    return server


def sagemaker_create_mlflow_tracking_server(self: Any) -> Any:
    """moto gap: SageMaker `CreateMlflowTrackingServer` (aws_sagemaker_mlflow_tracking_server)."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ResourceInUseException

    backend, name = self.sagemaker_backend, self._get_param("TrackingServerName")
    servers = _tracking_servers(backend)
    if name in servers:
        raise ResourceInUseException(message=f"Tracking server {name} already exists.")
    arn = f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:mlflow-tracking-server/{name}"
    request = {k: self._get_param(k) for k in (
        "ArtifactStoreUri", "TrackingServerSize", "MlflowVersion", "RoleArn", "AutomaticModelRegistration",
        "WeeklyMaintenanceWindowStart",
    )}
    servers[name] = TrackingServer(name=name, arn=arn, request=request, tags=list(self._get_param("Tags") or []))
    return ActionResult({"TrackingServerArn": arn})


def sagemaker_describe_mlflow_tracking_server(self: Any) -> Any:
    """moto gap: SageMaker `DescribeMlflowTrackingServer` (always `Created`: nothing to wait for)."""
    from moto.core.responses import ActionResult

    return ActionResult(_tracking_server(self).describe())


def sagemaker_update_mlflow_tracking_server(self: Any) -> Any:
    """moto gap: SageMaker `UpdateMlflowTrackingServer`."""
    from moto.core.responses import ActionResult

    server = _tracking_server(self)
    for key in ("ArtifactStoreUri", "TrackingServerSize", "AutomaticModelRegistration", "WeeklyMaintenanceWindowStart"):
        if self._get_param(key) is not None:
            server.request[key] = self._get_param(key)
    return ActionResult({"TrackingServerArn": server.arn})


def sagemaker_delete_mlflow_tracking_server(self: Any) -> Any:
    """moto gap: SageMaker `DeleteMlflowTrackingServer`."""
    from moto.core.responses import ActionResult

    server = _tracking_server(self)
    del _tracking_servers(self.sagemaker_backend)[server.name]
    return ActionResult({"TrackingServerArn": server.arn})


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


def patch_moto() -> None:
    """Install every gap handler into moto (idempotent)."""
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse as Autoscaling
    from moto.emr.responses import ElasticMapReduceResponse as Emr
    from moto.emrserverless.models import EMRServerlessBackend
    from moto.emrserverless.responses import EMRServerlessResponse as EmrServerless
    from moto.s3.models import FakeBucket
    from moto.sagemaker.models import SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse as SageMaker

    if getattr(Emr, "mlzone_patched", False):
        return
    Emr.get_auto_termination_policy = emr_get_auto_termination_policy
    Emr.put_auto_termination_policy = emr_put_auto_termination_policy
    Emr.remove_auto_termination_policy = emr_remove_auto_termination_policy
    Emr.run_job_flow = emr_run_job_flow_keeping_settings(Emr.run_job_flow)
    Emr.get_managed_scaling_policy = emr_get_managed_scaling_policy
    Emr.put_managed_scaling_policy = emr_put_managed_scaling_policy
    Emr.remove_managed_scaling_policy = emr_remove_managed_scaling_policy
    EMRServerlessBackend.create_application = emr_serverless_create_application(EMRServerlessBackend.create_application)
    EmrServerless.create_application = emr_serverless_create_application_keeping_architecture(
        EmrServerless.create_application)
    Autoscaling.register_scalable_target = autoscaling_register_scalable_target_keeping_tags(
        Autoscaling.register_scalable_target)
    Autoscaling.list_tags_for_resource = autoscaling_list_tags_for_resource
    Autoscaling.tag_resource = autoscaling_tag_resource
    Autoscaling.untag_resource = autoscaling_untag_resource
    SageMaker.create_notebook_instance, SageMaker.describe_notebook_instance = \
        sagemaker_notebook_keeping_metadata_service(SageMaker.create_notebook_instance,
                                                    SageMaker.describe_notebook_instance)
    SageMaker.create_model = sagemaker_create_model_keeping_isolation(SageMaker.create_model)
    SageMaker.delete_model_package_group = sagemaker_delete_model_package_group
    SageMaker.put_model_package_group_policy = sagemaker_put_model_package_group_policy
    SageMaker.get_model_package_group_policy = sagemaker_get_model_package_group_policy
    SageMaker.delete_model_package_group_policy = sagemaker_delete_model_package_group_policy
    SageMaker.create_notebook_instance_lifecycle_config = sagemaker_lifecycle_config_keeping_tags(
        SageMaker.create_notebook_instance_lifecycle_config)
    SageMaker.create_mlflow_tracking_server = sagemaker_create_mlflow_tracking_server
    SageMaker.describe_mlflow_tracking_server = sagemaker_describe_mlflow_tracking_server
    SageMaker.update_mlflow_tracking_server = sagemaker_update_mlflow_tracking_server
    SageMaker.delete_mlflow_tracking_server = sagemaker_delete_mlflow_tracking_server
    SageMakerModelBackend._get_resource_from_arn = sagemaker_tagged_resources(SageMakerModelBackend._get_resource_from_arn)
    FakeBucket._log_permissions_enabled_policy = staticmethod(s3_logging_target_permissions)
    FakeBucket.get_permission = s3_bucket_policy_without_conditions
    Emr.mlzone_patched = True


def serve(port: int, host: str = HOST) -> None:
    """Run moto's server (blocking) with the gap handlers installed."""
    from moto import server

    patch_moto()
    server.main(["--host", host, "--port", str(port)])


# --------------------------------------------------------------------------- lifecycle


def free_port(host: str = HOST) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def healthy(url: str, timeout: float = 2.0) -> bool:
    """True when a moto server answers at `url`."""
    try:
        with urllib.request.urlopen(f"{url}/moto-api/config", timeout=timeout) as reply:
            return 200 <= reply.status < 300
    except OSError:
        return False


@dataclass
class Emulator:
    """A moto server for one work folder (`.mlzone/`). Use as a context manager."""

    work: Path  # the project's work folder; logs and the kept-emulator record go here
    keep: bool = False  # leave it running on exit (later commands reuse it)
    url: str = ""
    reused: bool = False  # True when an emulator kept by an earlier command was found
    proc: subprocess.Popen[bytes] | None = None
    mlflow: tracking.MlflowServer | None = None  # mlzone.tracking hook: the zone's real MLflow server

    @property
    def record(self) -> Path:
        return self.work / STATE_FILE

    def start(self) -> Emulator:
        """Reuse a kept emulator if one answers, else start a fresh one and wait for it."""
        self.work.mkdir(parents=True, exist_ok=True)
        if url := kept_url(self.work):
            self.url, self.reused = url, True
            return self
        stop_kept(self.work)  # kept but not answering: never leave it orphaned
        port = free_port()
        self.url = f"http://{HOST}:{port}"
        env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "TMPDIR": str(self.work)}
        # mlzone.tracking hook (1/3): the MLflow server's URL is fixed before the emulator starts
        self.mlflow = tracking.for_zone(self.work, free_port(), keep=self.keep)
        if self.mlflow:
            env[tracking.TRACKING_URL_ENV] = self.mlflow.url
        log = (self.work / "logs").joinpath("emulator.log")
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as sink:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "mlzone.emulator", "serve", "--port", str(port)],
                cwd=self.work, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not healthy(self.url, timeout=1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop(force=True)
                raise RuntimeError(f"the local emulator did not start within {START_TIMEOUT}s; see {log}")
            time.sleep(0.2)
        if self.mlflow:  # mlzone.tracking hook (2/3): started after the emulator, whose S3 holds its artifacts
            try:
                self.mlflow.start(self.url)
            except RuntimeError:
                self.stop(force=True)
                raise
        if self.keep:
            self.record.write_text(json.dumps({"pid": self.proc.pid, "url": self.url}))
        return self

    def stop(self, force: bool = False) -> None:
        """Stop the server this object started (a kept one only with force)."""
        if self.proc is None or (self.keep and not force):
            return
        if self.mlflow:  # mlzone.tracking hook (3/3): stopped with the emulator
            self.mlflow.stop(force=True)
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.record.unlink(missing_ok=True)
        self.proc = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def kept_url(work: Path) -> str | None:
    """The URL of an emulator kept by an earlier command in `work`, if it still answers."""
    record = work / STATE_FILE
    if not record.is_file():
        return None
    url = json.loads(record.read_text())["url"]
    return url if healthy(url, timeout=10) else None


def stop_kept(work: Path) -> bool:
    """Stop an emulator kept by an earlier `--keep`; True if one was running."""
    tracking.stop_kept(work)  # mlzone.tracking hook: the MLflow server kept with it
    record = work / STATE_FILE
    if not record.is_file():
        return False
    pid = json.loads(record.read_text())["pid"]
    record.unlink()
    try:
        os.killpg(pid, signal.SIGKILL)  # it keeps nothing worth a graceful shutdown
    except ProcessLookupError:
        return False
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mlzone.emulator", description="moto with mlzone's gap handlers")
    sub = parser.add_subparsers(dest="command", required=True)
    serve_cmd = sub.add_parser("serve", help="run the emulator in the foreground")
    serve_cmd.add_argument("--port", type=int, default=4566)
    serve_cmd.add_argument("--host", default=HOST)
    args = parser.parse_args(argv)
    serve(args.port, args.host)


if __name__ == "__main__":
    main()
