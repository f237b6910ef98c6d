"""Price features: the price relative to the store's usual price."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dataflow.function_modifiers import check_output


@check_output(range=(0.3, 2.0), importance="fail")
def price_ratio(price: pd.Series, base_price: pd.Series) -> pd.Series:
    """Today's price over the store's base price."""
    return price / base_price


def log_price_ratio(price_ratio: pd.Series) -> pd.Series:
    """Log of the price ratio (demand is about linear in it on a log scale)."""
    return np.log(price_ratio)


def price_change_1d(price: pd.Series, store_id: pd.Series) -> pd.Series:
    """Relative price change since yesterday in the same store (0 on a store's first day)."""
    return price.groupby(store_id).pct_change().fillna(0.0)
