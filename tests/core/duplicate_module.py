"""Defines ``spend`` again, to test duplicate detection and module overrides."""

import pandas as pd


def spend(raw_spend: pd.Series) -> pd.Series:
    return raw_spend * 100
