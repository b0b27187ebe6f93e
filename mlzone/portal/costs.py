"""The month's estimated cost of a project from instance types and uptime, against its budget.

The price table is a hand-entered list of on-demand hourly prices with its date and source shown
next to every estimate: an estimate, not a bill (AWS Cost Explorer is the bill).
"""

from __future__ import annotations

from dataclasses import dataclass

from mlzone.portal.inventory import Resource, hours_this_month

PRICES_DATE = "2026-12-02"
PRICES_SOURCE = "hand-entered on-demand list prices (USD/hour, eu-west-1); replace with your contract's"
PRICES = {
    "ml.t3.medium": 0.05,
    "ml.t3.large": 0.10,
    "ml.m5.large": 0.128,
    "ml.m5.xlarge": 0.256,
    "ml.m5.2xlarge": 0.512,
    "m5.xlarge": 0.238,
    "m5.2xlarge": 0.476,
    "r5.xlarge": 0.296,
}


@dataclass(frozen=True)
class Estimate:
    usd: float
    lines: tuple[tuple[str, str, float, float], ...]  # (resource, instance type, hours, usd)
    unpriced: tuple[str, ...]  # resources whose instance type is not in the table


def estimate(resources: list[Resource]) -> Estimate:
    lines, unpriced = [], []
    for r in resources:
        hours = hours_this_month(r.since)
        if not hours or not r.instance_type:
            continue
        if r.instance_type not in PRICES:
            unpriced.append(f"{r.name} ({r.instance_type})")
            continue
        lines.append((r.name, r.instance_type, hours, hours * PRICES[r.instance_type]))
    return Estimate(round(sum(x[3] for x in lines), 2), tuple(lines), tuple(unpriced))
