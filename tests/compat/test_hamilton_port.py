"""A Hamilton module ports by changing the import root.

``hamilton_style_features.py`` was run under Apache Hamilton 1.90.0 (with ``hamilton`` imports)
and under dataflow; the node names below are the ones Hamilton listed, and the values are
checked against hand-written pandas (Hamilton produced the same values).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dataflow import base, driver
from tests.compat import hamilton_style_features

HAMILTON_NODE_NAMES = [
    "max_units", "mean_units", "net", "net_range_validator", "net_raw", "price",
    "price_plus_units", "price_sq", "promo", "promo_score", "promo_score.raw",
    "promo_score.with_scale", "promo_score.with_scale_1", "raw", "raw_frame", "region",
    "revenue", "revenue_lag_1", "revenue_lag_7", "tax", "total_parts", "unit_stats", "units",
    "units_sq",
]


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "price": np.arange(10, dtype=float),
        "units": np.arange(10, 20, dtype=float),
        "promo": np.tile([0.0, 1.0], 5),
    })


@pytest.mark.parametrize(("region", "tax_rate"), [("eu", 0.2), ("us", 0.1)])
def test_hamilton_module_gives_hamiltons_nodes_and_values(region, tax_rate):
    dr = (driver.Builder().with_modules(hamilton_style_features)
          .with_config({"region": region}).with_adapters(base.PandasDataFrameResult()).build())
    assert sorted(v.name for v in dr.list_available_variables()) == HAMILTON_NODE_NAMES

    frame = _frame()
    out = dr.execute(
        ["revenue_lag_1", "revenue_lag_7", "price_sq", "units_sq", "tax", "net",
         "price_plus_units", "total_parts", "promo_score", "mean_units", "max_units"],
        inputs={"raw_frame": frame},
    )
    revenue = frame.price * frame.units
    expected = pd.DataFrame({
        "revenue_lag_1": revenue.shift(1),
        "revenue_lag_7": revenue.shift(7),
        "price_sq": frame.price ** 2,
        "units_sq": frame.units ** 2,
        "tax": revenue * tax_rate,
        "net": revenue - revenue * tax_rate,
        "price_plus_units": frame.price + frame.units,
        "total_parts": frame.price + frame.units + frame.promo,
        "promo_score": (frame.promo + 1) * 10.0 * 0.5,
        "mean_units": float(frame.units.mean()),
        "max_units": float(frame.units.max()),
    })
    pd.testing.assert_frame_equal(out, expected)
    tagged = dr.list_available_variables(tag_filter={"owner": "pricing"})
    assert [(v.name, v.tags["pii"]) for v in tagged] == [("net", "false")]
