"""moto gaps of SageMaker: model package groups and their policies, notebooks and their lifecycle
configurations, CreateModel's network isolation, UpdateEndpoint (MLflow tracking servers and tags:
`sagemaker_mlflow.py`)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from mlzone.emulator.gaps import raw_param, store
from mlzone.emulator.registry import fills

RESPONSE = "moto.sagemaker.responses:SageMakerResponse"


@fills("sagemaker", "DeleteModelPackageGroup", on=RESPONSE)
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


@fills("sagemaker", "PutModelPackageGroupPolicy", on=RESPONSE)
def sagemaker_put_model_package_group_policy(self: Any) -> Any:
    """moto gap: SageMaker `PutModelPackageGroupPolicy` (sharing a model with other projects)."""
    from moto.core.responses import ActionResult

    name = _model_package_group(self)
    store(self.sagemaker_backend, "package_group_policies")[name] = self._get_param("ResourcePolicy")
    return ActionResult({"ModelPackageGroupArn": self.sagemaker_backend.model_package_groups[name].arn})


@fills("sagemaker", "GetModelPackageGroupPolicy", on=RESPONSE)
def sagemaker_get_model_package_group_policy(self: Any) -> Any:
    """moto gap: SageMaker `GetModelPackageGroupPolicy`."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ValidationError

    policy = store(self.sagemaker_backend, "package_group_policies").get(_model_package_group(self))
    if policy is None:
        raise ValidationError(message="Cannot find resource policy.")
    return ActionResult({"ResourcePolicy": policy})


@fills("sagemaker", "DeleteModelPackageGroupPolicy", on=RESPONSE)
def sagemaker_delete_model_package_group_policy(self: Any) -> Any:
    """moto gap: SageMaker `DeleteModelPackageGroupPolicy`."""
    from moto.core.responses import EmptyResult

    store(self.sagemaker_backend, "package_group_policies").pop(_model_package_group(self), None)
    return EmptyResult()


@fills("sagemaker", "CreateNotebookInstanceLifecycleConfig", on=RESPONSE, wraps=True)
def sagemaker_lifecycle_config_keeping_tags(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """moto gap: SageMaker `CreateNotebookInstanceLifecycleConfig` ignores `Tags`."""

    def create_notebook_instance_lifecycle_config(self: Any) -> Any:
        result = original(self)
        name = self._get_param("NotebookInstanceLifecycleConfigName")
        config = self.sagemaker_backend.notebook_instance_lifecycle_configurations[name]
        config.tags = list(raw_param(self, "Tags") or [])
        return result

    return create_notebook_instance_lifecycle_config


@fills("sagemaker", "CreateModel", on=RESPONSE, wraps=True)
def sagemaker_create_model_keeping_isolation(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """moto gap: SageMaker `CreateModel` ignores `EnableNetworkIsolation`, so DescribeModel reads it back
    as false: Terraform would replace the model on every plan and gate 2 would see isolation off."""

    def create_model(self: Any) -> Any:
        result = original(self)
        model = self.sagemaker_backend.describe_model(self._get_param("ModelName"))
        model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
        return result

    return create_model


@fills("sagemaker", "CreateNotebookInstance", on=RESPONSE, wraps=True)
def sagemaker_notebook_keeping_metadata_service(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """moto gap: SageMaker `CreateNotebookInstance` ignores `InstanceMetadataServiceConfiguration` (IMDSv2
    only), so DescribeNotebookInstance lacks it and every re-plan shows a change."""

    def create_notebook_instance(self: Any) -> Any:
        result = original(self)
        settings = store(self.sagemaker_backend, "notebook_imds")
        settings[self._get_param("NotebookInstanceName")] = raw_param(self, "InstanceMetadataServiceConfiguration")
        return result

    return create_notebook_instance


@fills("sagemaker", "DescribeNotebookInstance", on=RESPONSE, wraps=True)
def sagemaker_notebook_describing_metadata_service(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """moto gap: SageMaker `DescribeNotebookInstance` returns the IMDS setting kept at create or update."""

    def describe_notebook_instance(self: Any) -> Any:
        result = original(self)
        imds = store(self.sagemaker_backend, "notebook_imds").get(self._get_param("NotebookInstanceName"))
        if imds:
            result.result["InstanceMetadataServiceConfiguration"] = imds
        return result

    return describe_notebook_instance


# Notebook fields UpdateNotebookInstance may change: {request field: moto attribute}.
NOTEBOOK_UPDATES = {
    "InstanceType": "instance_type",
    "RoleArn": "role_arn",
    "VolumeSizeInGB": "volume_size_in_gb",
    "LifecycleConfigName": "lifecycle_config_name",
    "RootAccess": "root_access",
    "DefaultCodeRepository": "default_code_repository",
    "AdditionalCodeRepositories": "additional_code_repositories",
    "AcceleratorTypes": "accelerator_types",
}


@fills("sagemaker", "UpdateNotebookInstance", on=RESPONSE)
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
        raise ValidationError(
            message=f"Status ({notebook.status}) not in ([Stopped, Failed]). "
            f"Unable to update Notebook Instance {notebook.arn}."
        )
    for param, attribute in NOTEBOOK_UPDATES.items():
        if self._get_param(param) is not None:
            setattr(notebook, attribute, self._get_param(param))
    for flag, attribute in (
        ("DisassociateLifecycleConfig", "lifecycle_config_name"),
        ("DisassociateDefaultCodeRepository", "default_code_repository"),
        ("DisassociateAdditionalCodeRepositories", "additional_code_repositories"),
        ("DisassociateAcceleratorTypes", "accelerator_types"),
    ):
        if self._get_param(flag):
            setattr(notebook, attribute, None)
    if (imds := raw_param(self, "InstanceMetadataServiceConfiguration")) is not None:
        store(self.sagemaker_backend, "notebook_imds")[name] = imds
    notebook.last_modified_time = utcnow()
    return EmptyResult()


@fills("sagemaker", "UpdateNotebookInstanceLifecycleConfig", on=RESPONSE)
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


@fills("sagemaker", "UpdateEndpoint", on=RESPONSE)
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


@fills("sagemaker", "CreatePresignedNotebookInstanceUrl", on=RESPONSE)
def sagemaker_create_presigned_notebook_instance_url(self: Any) -> Any:
    """moto gap: SageMaker `CreatePresignedNotebookInstanceUrl` (the portal's "open notebook"): the notebook's
    URL with a one-off `authToken`, as AWS answers (nothing serves it locally)."""
    from moto.core.responses import ActionResult

    notebook = self.sagemaker_backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
    return ActionResult({"AuthorizedUrl": f"https://{notebook.url}?authToken={secrets.token_urlsafe(24)}"})
