"""Column functions that take the whole DataFrame (for pass_dataframe_as)."""

from __future__ import annotations

import pandas as pd


def spend(df: pd.DataFrame) -> pd.Series:
    return df["spend"] / 100


def spend_share(spend: pd.Series) -> pd.Series:
    return spend / spend.sum()
