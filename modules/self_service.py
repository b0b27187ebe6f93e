"""What self-service may ask for, defined once by the platform: Spark size presets and their prices.

A data scientist picks a preset by name (`small`, `medium`, `large`); the preset fixes the EMR instance
types and node counts, so no request carries a free-form instance type. Every preset runs the
platform's EMR release (`EMR_RELEASE`, checked by `check_emr_release` like every cluster) and the
cluster module's secure defaults (modules/spark_cluster.py). Hourly prices are on-demand list prices
(modules/prices.py): they estimate a request's cost against the budget, they
are not a bill.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from modules.prices import NODE_PRICE_USD
from modules.settings import EMR_RELEASE, check_emr_release

SizeName = Literal["small", "medium", "large"]


@dataclass(frozen=True, kw_only=True)
class SparkPreset:
    """One cluster size: instance types and node counts (the props of `SparkClusterProps` it sets)."""

    master_instance_type: str
    core_instance_type: str
    core_nodes: int
    max_nodes: int
    release_label: str = EMR_RELEASE

    def __post_init__(self) -> None:
        check_emr_release(self.release_label)
        unpriced = {self.master_instance_type, self.core_instance_type} - set(NODE_PRICE_USD)
        if unpriced:
            raise ValueError(f"preset instance types {sorted(unpriced)} have no price; fix: add them to NODE_PRICE_USD")

    def props(self) -> dict[str, object]:
        """Keyword arguments of `SparkClusterProps` this preset fixes."""
        return {
            "release_label": self.release_label,
            "master_instance_type": self.master_instance_type,
            "core_instance_type": self.core_instance_type,
            "core_nodes": self.core_nodes,
            "max_nodes": self.max_nodes,
        }

    def hourly_usd(self) -> float:
        """Upper bound per hour: the primary node and every node managed scaling may add."""
        return NODE_PRICE_USD[self.master_instance_type] + self.max_nodes * NODE_PRICE_USD[self.core_instance_type]


SPARK_SIZES: dict[str, SparkPreset] = {
    "small": SparkPreset(master_instance_type="m5.xlarge", core_instance_type="m5.xlarge", core_nodes=1, max_nodes=2),
    "medium": SparkPreset(master_instance_type="m5.xlarge", core_instance_type="m5.2xlarge", core_nodes=2, max_nodes=4),
    "large": SparkPreset(master_instance_type="m5.2xlarge", core_instance_type="m5.4xlarge", core_nodes=4, max_nodes=8),
}
