"""The price table behind every cost estimate (self-service requests against the budget, the portal's
month so far): hand-entered on-demand list prices, shown with their date and source. An estimate, not a
bill (AWS Cost Explorer is the bill)."""

from __future__ import annotations

PRICES_DATE = "2026-11-01"
PRICES_SOURCE = "hand-entered on-demand list prices (USD/hour, eu-west-1); replace with your contract's"
# One EMR node, USD per hour (EC2 + EMR uplift).
NODE_PRICE_USD = {"m5.xlarge": 0.262, "m5.2xlarge": 0.524, "m5.4xlarge": 1.048, "r5.xlarge": 0.326}
# One SageMaker instance (notebook or endpoint), USD per hour.
SAGEMAKER_PRICE_USD = {
    "ml.t3.medium": 0.053,
    "ml.t3.large": 0.106,
    "ml.t3.xlarge": 0.212,
    "ml.m5.large": 0.128,
    "ml.m5.xlarge": 0.257,
    "ml.m5.2xlarge": 0.514,
    "ml.m5.4xlarge": 1.028,
}


def hourly_usd(instance_type: str) -> float | None:
    """The hourly price of one instance of `instance_type`, or None when the table has none."""
    return SAGEMAKER_PRICE_USD.get(instance_type, NODE_PRICE_USD.get(instance_type))
