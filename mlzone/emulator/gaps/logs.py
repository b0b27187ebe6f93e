"""moto gaps of CloudWatch Logs: a log group's KMS key."""

from __future__ import annotations

from typing import Any

from mlzone.emulator.registry import fills



def _log_group(self: Any) -> Any:
    from moto.logs.exceptions import ResourceNotFoundException

    group = self.logs_backend.groups.get(self._get_param("logGroupName"))
    if group is None:
        raise ResourceNotFoundException()
    return group


@fills("logs", "AssociateKmsKey", on="moto.logs.responses:LogsResponse")
def logs_associate_kms_key(self: Any) -> str:
    """moto gap: CloudWatch Logs `AssociateKmsKey` (a log group's key changed)."""
    _log_group(self).kms_key_id = self._get_param("kmsKeyId")
    return ""


@fills("logs", "DisassociateKmsKey", on="moto.logs.responses:LogsResponse")
def logs_disassociate_kms_key(self: Any) -> str:
    """moto gap: CloudWatch Logs `DisassociateKmsKey`."""
    _log_group(self).kms_key_id = None
    return ""
