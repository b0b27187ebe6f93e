"""moto gaps of EMR: auto-termination and managed-scaling policies, RunJobFlow settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlzone.emulator.gaps import store
from mlzone.emulator.registry import fills

RESPONSE = "moto.emr.responses:ElasticMapReduceResponse"


@fills("emr", "GetAutoTerminationPolicy", on=RESPONSE)
def emr_get_auto_termination_policy(self: Any) -> Any:
    """moto gap: EMR `GetAutoTerminationPolicy` (the provider calls it on every refresh of aws_emr_cluster)."""
    from moto.core.responses import ActionResult

    policy = _emr_policies(self.backend).get(self._get_param("ClusterId"))
    return ActionResult({"AutoTerminationPolicy": policy} if policy else {})


@fills("emr", "PutAutoTerminationPolicy", on=RESPONSE)
def emr_put_auto_termination_policy(self: Any) -> Any:
    """moto gap: EMR `PutAutoTerminationPolicy` (changing a cluster's idle timeout)."""
    from moto.core.responses import EmptyResult

    _emr_policies(self.backend)[self._get_param("ClusterId")] = self._get_param("AutoTerminationPolicy")
    return EmptyResult()


@fills("emr", "RemoveAutoTerminationPolicy", on=RESPONSE)
def emr_remove_auto_termination_policy(self: Any) -> Any:
    """moto gap: EMR `RemoveAutoTerminationPolicy`."""
    from moto.core.responses import EmptyResult

    _emr_policies(self.backend).pop(self._get_param("ClusterId"), None)
    return EmptyResult()


@fills("emr", "RunJobFlow", on=RESPONSE, wraps=True)
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


def _emr_policies(backend: Any) -> dict[str, Any]:
    return store(backend, "auto_termination")


@fills("emr", "GetManagedScalingPolicy", on=RESPONSE)
def emr_get_managed_scaling_policy(self: Any) -> Any:
    """moto gap: EMR `GetManagedScalingPolicy` (aws_emr_managed_scaling_policy)."""
    from moto.core.responses import ActionResult

    policy = store(self.backend, "managed_scaling").get(self._get_param("ClusterId"))
    return ActionResult({"ManagedScalingPolicy": policy} if policy else {})


@fills("emr", "PutManagedScalingPolicy", on=RESPONSE)
def emr_put_managed_scaling_policy(self: Any) -> Any:
    """moto gap: EMR `PutManagedScalingPolicy`."""
    from moto.core.responses import EmptyResult

    store(self.backend, "managed_scaling")[self._get_param("ClusterId")] = self._get_param("ManagedScalingPolicy")
    return EmptyResult()


@fills("emr", "RemoveManagedScalingPolicy", on=RESPONSE)
def emr_remove_managed_scaling_policy(self: Any) -> Any:
    """moto gap: EMR `RemoveManagedScalingPolicy`."""
    from moto.core.responses import EmptyResult

    store(self.backend, "managed_scaling").pop(self._get_param("ClusterId"), None)
    return EmptyResult()
