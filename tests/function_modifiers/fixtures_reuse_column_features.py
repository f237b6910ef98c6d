"""Column functions reused by @with_columns."""

from __future__ import annotations

import pandas as pd


def ratio(spend: pd.Series, signups: pd.Series) -> pd.Series:
    return spend / signups


def ratio_x2(ratio: pd.Series) -> pd.Series:
    return ratio * 2


def spend_centered(spend: pd.Series, spend_baseline: float) -> pd.Series:
    return spend - spend_baseline


def total_spend(spend: pd.Series) -> float:
    return float(spend.sum())
