"""A small marketing pipeline used by the lineage tests."""

import pandas as pd


def spend(raw: pd.DataFrame) -> pd.Series:
    """Marketing spend per week."""
    return raw["spend"]


def signups(raw: pd.DataFrame) -> pd.Series:
    """New signups per week."""
    return raw["signups"]


def spend_per_signup(spend: pd.Series, signups: pd.Series) -> pd.Series:
    """Cost of one signup."""
    return spend / signups


def spend_mean(spend: pd.Series) -> float:
    return float(spend.mean())


def spend_zero_mean(spend: pd.Series, spend_mean: float) -> pd.Series:
    return spend - spend_mean


def scaled(spend_zero_mean: pd.Series, scale: float, bias: float = 0.0) -> pd.Series:
    """Spend, centred and scaled by the config value."""
    return spend_zero_mean * scale + bias
