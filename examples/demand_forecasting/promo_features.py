"""Promotion features."""

from __future__ import annotations

import pandas as pd


def on_promo(promo: pd.Series) -> pd.Series:
    """1.0 when the product is on promotion that day."""
    return promo.astype(float)


def promo_depth(on_promo: pd.Series, price_ratio: pd.Series) -> pd.Series:
    """How deep the promotion cuts the price (0 without a promotion)."""
    return on_promo * (1.0 - price_ratio).clip(lower=0.0)


def promo_days_last_7(on_promo: pd.Series, store_id: pd.Series) -> pd.Series:
    """Promotion days in the 7 days before today, same store."""
    return on_promo.groupby(store_id).transform(
        lambda s: s.shift(1).rolling(7, min_periods=1).sum()).fillna(0.0)
