"""moto gap of the SageMaker model registry: `UpdateModelPackage` resets every field the call does not pass.

moto's backend assigns `ModelApprovalStatus`, `ApprovalDescription` and `CustomerMetadataProperties`
from the request unconditionally, so approving a version (status + description only) erases its
lineage, and a status-only call erases the description. AWS changes only what the call names and
merges `CustomerMetadataProperties` into the existing ones (then removes `…ToRemove`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlzone.emulator.registry import fills


@fills("sagemaker", "UpdateModelPackage", on="moto.sagemaker.models:SageMakerModelBackend", wraps=True)
def update_model_package_keeping_fields(original: Callable[..., str]) -> Callable[..., str]:
    """Wrap the backend's `update_model_package`: fields the call does not name keep their values."""

    def update_model_package(self: Any, model_package_arn: str, **fields: Any) -> str:
        package = self.model_packages.get(self.model_package_name_mapping.get(model_package_arn, model_package_arn))
        if package is not None:
            if fields.get("model_approval_status") is None:
                fields["model_approval_status"] = package.model_approval_status
            if fields.get("approval_description") is None:
                fields["approval_description"] = package.approval_description
            fields["customer_metadata_properties"] = {
                **(package.customer_metadata_properties or {}),
                **(fields.get("customer_metadata_properties") or {}),
            }
        return original(self, model_package_arn, **fields)

    return update_model_package
