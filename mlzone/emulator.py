"""The local target: a moto server on loopback, with the few AWS APIs moto lacks filled in here.

`Emulator` starts `python -m mlzone.emulator serve --port N` (moto's werkzeug app after `patch_moto()`)
on 127.0.0.1 on a free port with `MOTO_IAM_LOAD_MANAGED_POLICIES=true`, waits until it answers, and
stops it on exit unless asked to keep it (then `.mlzone/emulator.json` lets later commands reuse it).
A kept emulator is reused or signalled only once verified as ours (`is_ours`: its command line, and a
random token per start that it answers), so a stale record never touches an unrelated process.
Everything it writes stays under the project's work folder (`.mlzone/`).

Each moto gap the example needs is one small handler below, named after the missing API. Resource
types the emulator cannot run at all are listed in `UNSUPPORTED`; the local plan names them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from mlzone import emulator_sagemaker_registry, tracking

HOST = "127.0.0.1"
START_TIMEOUT = 60  # seconds until moto must answer
STATE_FILE = "emulator.json"  # in the work folder: the kept emulator's pid, url and token
TOKEN_ENV = "MLZONE_EMULATOR_TOKEN"  # a random token per start, given to the server in its environment
TOKEN_PATH = "/moto-api/mlzone-token"  # where the server answers it

# Resource types moto cannot create even with the handlers below: {type: why}. The local plan lists
# any of these it finds, so nothing is skipped silently. Empty while every example resource runs.
UNSUPPORTED: dict[str, str] = {}
# Resource types whose in-place update moto cannot do (no spec field causes one today): {type: why}.
# The local plan lists every planned update of these types the same way.
UNSUPPORTED_UPDATES: dict[str, str] = {
    "aws_athena_workgroup": "moto 5.2.5 lacks Athena UpdateWorkGroup: an in-place change fails on the emulator",
}


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


# Notebook fields UpdateNotebookInstance may change: {request field: moto attribute}.
NOTEBOOK_UPDATES = {"InstanceType": "instance_type", "RoleArn": "role_arn", "VolumeSizeInGB": "volume_size_in_gb",
                    "LifecycleConfigName": "lifecycle_config_name", "RootAccess": "root_access",
                    "DefaultCodeRepository": "default_code_repository",
                    "AdditionalCodeRepositories": "additional_code_repositories", "AcceleratorTypes": "accelerator_types"}


def sagemaker_update_notebook_instance(self: Any) -> Any:
    """moto gap: SageMaker `UpdateNotebookInstance` (a notebook's volume size, instance type, role, lifecycle
    configuration or IMDS setting changed). Like AWS, only a stopped notebook can be updated: the provider
    stops it first and starts it again afterwards."""
    from moto.core.responses import EmptyResult
    from moto.core.utils import utcnow
    from moto.sagemaker.exceptions import ValidationError

    name = self._get_param("NotebookInstanceName")
    notebook = self.sagemaker_backend.get_notebook_instance(name)
    if notebook.status not in ("Stopped", "Failed"):
        raise ValidationError(message=f"Status ({notebook.status}) not in ([Stopped, Failed]). "
                                      f"Unable to update Notebook Instance {notebook.arn}.")
    for param, attribute in NOTEBOOK_UPDATES.items():
        if self._get_param(param) is not None:
            setattr(notebook, attribute, self._get_param(param))
    for flag, attribute in (("DisassociateLifecycleConfig", "lifecycle_config_name"),
                            ("DisassociateDefaultCodeRepository", "default_code_repository"),
                            ("DisassociateAdditionalCodeRepositories", "additional_code_repositories"),
                            ("DisassociateAcceleratorTypes", "accelerator_types")):
        if self._get_param(flag):
            setattr(notebook, attribute, None)
    if (imds := _raw_param(self, "InstanceMetadataServiceConfiguration")) is not None:
        _store(self.sagemaker_backend, "notebook_imds")[name] = imds
    notebook.last_modified_time = utcnow()
    return EmptyResult()


def sagemaker_update_notebook_instance_lifecycle_config(self: Any) -> Any:
    """moto gap: SageMaker `UpdateNotebookInstanceLifecycleConfig` (a notebook's start script changed)."""
    from moto.core.responses import EmptyResult
    from moto.core.utils import utcnow
    from moto.sagemaker.exceptions import ValidationError

    name = self._get_param("NotebookInstanceLifecycleConfigName")
    config = self.sagemaker_backend.notebook_instance_lifecycle_configurations.get(name)
    if config is None:
        raise ValidationError(message=f"Unable to describe Notebook Instance Lifecycle Config '{name}'.")
    for param, attribute in (("OnCreate", "on_create"), ("OnStart", "on_start")):
        if self._get_param(param) is not None:
            setattr(config, attribute, self._get_param(param))
    config.last_modified_time = utcnow()
    return EmptyResult()


def sagemaker_update_endpoint(self: Any) -> Any:
    """moto gap: SageMaker `UpdateEndpoint` (an endpoint moved to a new endpoint configuration: its instance
    type, capacity or data capture changed). The endpoint takes the new configuration's variants and capture."""
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.sagemaker.exceptions import ValidationError

    backend, name = self.sagemaker_backend, self._get_param("EndpointName")
    endpoint = backend.endpoints.get(name)
    if endpoint is None:
        raise ValidationError(message=f"Could not find endpoint '{name}'.")
    config_name = self._get_param("EndpointConfigName")
    config = backend.describe_endpoint_config(config_name)  # ValidationError when it does not exist
    endpoint.endpoint_config_name = config_name
    endpoint.production_variants = endpoint._process_production_variants(config["ProductionVariants"])
    endpoint.data_capture_config = config["DataCaptureConfig"]
    endpoint.last_modified_time = utcnow()
    return ActionResult({"EndpointArn": endpoint.arn})


def _log_group(self: Any) -> Any:
    from moto.logs.exceptions import ResourceNotFoundException

    group = self.logs_backend.groups.get(self._get_param("logGroupName"))
    if group is None:
        raise ResourceNotFoundException()
    return group


def logs_associate_kms_key(self: Any) -> str:
    """moto gap: CloudWatch Logs `AssociateKmsKey` (a log group's key changed)."""
    _log_group(self).kms_key_id = self._get_param("kmsKeyId")
    return ""


def logs_disassociate_kms_key(self: Any) -> str:
    """moto gap: CloudWatch Logs `DisassociateKmsKey`."""
    _log_group(self).kms_key_id = None
    return ""


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
    from moto.logs.responses import LogsResponse as Logs
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
    SageMaker.update_notebook_instance = sagemaker_update_notebook_instance
    SageMaker.update_notebook_instance_lifecycle_config = sagemaker_update_notebook_instance_lifecycle_config
    SageMaker.update_endpoint = sagemaker_update_endpoint
    Logs.associate_kms_key = logs_associate_kms_key
    Logs.disassociate_kms_key = logs_disassociate_kms_key
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
    emulator_sagemaker_registry.install()
    Emr.mlzone_patched = True


def answering_token(token: str) -> type:
    """moto's WSGI dispatcher, also answering TOKEN_PATH with this start's token (how a later command
    tells our emulator from whatever else now has its pid or port)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    class WithToken(DomainDispatcherApplication):
        def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if environ.get("PATH_INFO") == TOKEN_PATH:
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [token.encode()]
            return super().__call__(environ, start_response)

    return WithToken


def serve(port: int, host: str = HOST) -> None:
    """Run moto's server (blocking) with the gap handlers installed and the token of `TOKEN_ENV`."""
    from moto import server

    patch_moto()
    server.DomainDispatcherApplication = answering_token(os.environ.get(TOKEN_ENV, ""))
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
        token = secrets.token_hex(16)
        env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "TMPDIR": str(self.work), TOKEN_ENV: token}
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
            self.record.write_text(json.dumps({"pid": self.proc.pid, "url": self.url, "token": token}))
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


def _record(work: Path) -> dict[str, Any] | None:
    """The kept-emulator record of `work` (None when there is none or it is unreadable)."""
    try:
        record = json.loads((work / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def command_line(pid: int) -> list[str]:
    """The arguments a process was started with ([] when it is gone or cannot be read)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        pass
    shown = subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(pid)], capture_output=True, text=True)
    return shown.stdout.split()


def answers_token(url: str, token: str, timeout: float = 10) -> bool:
    """True when the server at `url` answers TOKEN_PATH with exactly `token`."""
    try:
        with urllib.request.urlopen(f"{url}{TOKEN_PATH}", timeout=timeout) as reply:
            return bool(token) and reply.read().decode() == token
    except (OSError, ValueError):
        return False


def is_ours(record: dict[str, Any]) -> bool:
    """True only for the emulator the record describes: a live `mlzone.emulator serve --port N` process with
    the record's pid, leading its own process group, whose server at the record's url answers its token."""
    pid, url, token = record.get("pid"), str(record.get("url", "")), str(record.get("token", ""))
    port = urllib.parse.urlsplit(url).port if url.startswith("http") else None
    if not isinstance(pid, int) or pid <= 1 or port is None:
        return False
    if command_line(pid)[-5:] != ["-m", "mlzone.emulator", "serve", "--port", str(port)]:
        return False
    try:
        if os.getpgid(pid) != pid:
            return False
    except ProcessLookupError:
        return False
    return answers_token(url, token)


def kept_url(work: Path) -> str | None:
    """The URL of the emulator kept by an earlier command in `work`, if it is verifiably ours and answers."""
    record = _record(work)
    return record["url"] if record is not None and is_ours(record) else None


def stop_kept(work: Path) -> str:
    """Stop the emulator kept by an earlier `--keep`: "stopped", "none" (no record), or "stale" (the record
    names no verifiable emulator of ours: it is removed and nothing is signalled)."""
    tracking.stop_kept(work)  # mlzone.tracking hook: the MLflow server kept with it
    record_file = work / STATE_FILE
    if not record_file.exists():
        return "none"
    record = _record(work)
    ours = record is not None and is_ours(record)
    record_file.unlink()
    if not ours:
        return "stale"
    with contextlib.suppress(ProcessLookupError):
        os.killpg(record["pid"], signal.SIGKILL)  # it keeps nothing worth a graceful shutdown
    return "stopped"


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
