"""The portal's month-so-far estimate prices resources from the one price table (modules/prices.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mlzone.portal.costs import estimate
from mlzone.portal.inventory import Resource
from modules.prices import NODE_PRICE_USD, SAGEMAKER_PRICE_USD, hourly_usd


def test_a_running_notebook_costs_its_hours_at_the_tables_price() -> None:
    since = datetime.now(UTC) - timedelta(hours=10)
    if since.month != datetime.now(UTC).month:
        pytest.skip("the month began less than 10 hours ago")
    found = estimate([Resource("notebook", "nb", "InService", "ml.m5.xlarge", since)])
    (_, kind, hours, usd) = found.lines[0]
    assert kind == "ml.m5.xlarge" and hours == pytest.approx(10, abs=0.01)
    assert usd == pytest.approx(hours * SAGEMAKER_PRICE_USD["ml.m5.xlarge"])
    assert found.unpriced == ()


def test_an_instance_type_without_a_price_is_named_not_guessed() -> None:
    found = estimate(
        [Resource("endpoint", "ep", "InService", "ml.p4d.24xlarge", datetime.now(UTC) - timedelta(hours=1))]
    )
    assert found.lines == () and found.usd == 0 and found.unpriced == ("ep (ml.p4d.24xlarge)",)


def test_emr_nodes_and_sagemaker_instances_share_one_lookup() -> None:
    assert hourly_usd("m5.xlarge") == NODE_PRICE_USD["m5.xlarge"]
    assert hourly_usd("ml.t3.medium") == SAGEMAKER_PRICE_USD["ml.t3.medium"]
    assert hourly_usd("x1.32xlarge") is None
