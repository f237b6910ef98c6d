"""A small feature module used by the core tests (real file, real line numbers)."""

from __future__ import annotations

import pandas as pd

from tests.core import helper_module
from tests.core.helper_module import imported_function  # noqa: F401  (must not become a node)


def spend(raw_spend: pd.Series) -> pd.Series:
    """Spend, cleaned."""
    return raw_spend.fillna(0.0)


def signups(raw_signups: pd.Series) -> pd.Series:
    return raw_signups


def spend_per_signup(spend: pd.Series, signups: pd.Series) -> pd.Series:
    """Cost of acquiring one customer."""
    return spend / signups


def spend_mean(spend: pd.Series) -> float:
    return float(spend.mean())


def spend_zero_mean(spend: pd.Series, spend_mean: float) -> pd.Series:
    return spend - spend_mean


def scaled_spend(spend: pd.Series, scale: float = 2.0) -> pd.Series:
    return spend * scale


def _private_helper(x: int) -> int:
    return x


helper_alias = helper_module.imported_function
