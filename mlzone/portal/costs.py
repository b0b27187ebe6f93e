"""The month's estimated cost of a project from instance types and uptime, against its budget.

The prices are modules/prices.py's table, whose date and source the page shows next to every estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlzone.portal.inventory import Resource, hours_this_month, shown
from modules.prices import hourly_usd


@dataclass(frozen=True)
class Estimate:
    usd: float
    lines: tuple[tuple[str, str, float, float], ...]  # (resource, `count × instance type`, hours, usd)
    unpriced: tuple[str, ...]  # resources whose instance type is not in the table


def estimate(resources: list[Resource]) -> Estimate:
    """Hours this month × count × the table's price, per instance type of every running resource."""
    lines, unpriced = [], []
    for r in resources:
        hours = hours_this_month(r.since)
        for kind, count in r.billed() if hours else ():
            price = hourly_usd(kind)
            if price is None:
                unpriced.append(f"{r.name} ({kind})")
                continue
            lines.append((r.name, shown(((kind, count),)), hours, hours * count * price))
    return Estimate(round(sum(x[3] for x in lines), 2), tuple(lines), tuple(unpriced))
