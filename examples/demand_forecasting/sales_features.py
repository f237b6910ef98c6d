"""Sales history features. Every feature looks at least ``horizon`` days back (config), so the
model could forecast that far ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dataflow.function_modifiers import parameterize, value


def log_units(units: pd.Series) -> pd.Series:
    """log(1 + units): the model's target scale."""
    return np.log1p(units)


@parameterize(
    log_units_lag_7={"days": value(7)},
    log_units_lag_14={"days": value(14)},
    log_units_lag_28={"days": value(28)},
)
def log_units_lag(log_units: pd.Series, store_id: pd.Series, days: int) -> pd.Series:
    """log units {days} days earlier in the same store."""
    return log_units.groupby(store_id).shift(days)


@parameterize(
    log_units_mean_7={"window": value(7)},
    log_units_mean_28={"window": value(28)},
)
def log_units_mean(log_units: pd.Series, store_id: pd.Series, horizon: int,
                   window: int) -> pd.Series:
    """Mean log units over {window} days, ending ``horizon`` days ago, same store."""
    return log_units.groupby(store_id).transform(
        lambda s: s.shift(horizon).rolling(window).mean())


def history_complete(log_units_lag_28: pd.Series, log_units_mean_28: pd.Series) -> pd.Series:
    """True where every history feature is defined (the first weeks of a store are not)."""
    return log_units_lag_28.notna() & log_units_mean_28.notna()
