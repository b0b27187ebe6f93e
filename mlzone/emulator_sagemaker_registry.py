"""Emulator gap (moto 5.2.5): `UpdateModelPackage` resets every field the call does not pass.

moto's backend assigns `ModelApprovalStatus`, `ApprovalDescription` and `CustomerMetadataProperties`
from the request unconditionally, so approving a version (status + description only) erases its
lineage, and a status-only call erases the description. AWS changes only what the call names and
merges `CustomerMetadataProperties` into the existing ones (then removes `…ToRemove`). This wrapper
gives the backend those semantics. (To move into mlzone/emulator/gaps/sagemaker_registry.py with
`@fills("sagemaker", "UpdateModelPackage")` once the emulator package lands.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def update_model_package_keeping_fields(original: Callable[..., str]) -> Callable[..., str]:
    """Wrap `SageMakerModelBackend.update_model_package`: unnamed fields keep their values."""

    def update_model_package(self: Any, model_package_arn: str, **fields: Any) -> str:
        package = self.model_packages.get(self.model_package_name_mapping.get(model_package_arn, model_package_arn))
        if package is not None:
            if fields.get("model_approval_status") is None:
                fields["model_approval_status"] = package.model_approval_status
            if fields.get("approval_description") is None:
                fields["approval_description"] = package.approval_description
            fields["customer_metadata_properties"] = {**(package.customer_metadata_properties or {}),
                                                      **(fields.get("customer_metadata_properties") or {})}
        return original(self, model_package_arn, **fields)

    return update_model_package


def install() -> None:
    """Install the wrapper into moto's SageMaker backend (idempotent)."""
    from moto.sagemaker.models import SageMakerModelBackend

    if not getattr(SageMakerModelBackend.update_model_package, "mlzone_keeps_fields", False):
        SageMakerModelBackend.update_model_package = update_model_package_keeping_fields(
            SageMakerModelBackend.update_model_package)
        SageMakerModelBackend.update_model_package.mlzone_keeps_fields = True  # type: ignore[attr-defined]
