"""The example's features computed with polars: the same node names, the same numbers as the
pandas modules (``raw_data``, ``calendar_features``, ``price_features``, ``promo_features``,
``sales_features``), ``pl.Series`` on every edge.

    from examples.demand_forecasting import train, train_polars
    dr = train_polars.build_polars_driver({"n_stores": 5})
    frame = dr.execute(train.KEYS + train.FEATURES)  # a pl.DataFrame

Per-store operations (lags, rolling windows) run as window expressions ``.over("store_id")``.
"""

from __future__ import annotations

import math

import polars as pl

from dataflow.function_modifiers import extract_columns, parameterize, value

from .synthetic import sales_frame


@extract_columns("store_id", "date", "units", "price", "base_price", "promo", "holiday")
def sales(n_stores: int, n_days: int, seed: int) -> pl.DataFrame:
    """Daily sales per store (long format: one row per store and day)."""
    return pl.from_pandas(sales_frame(n_stores, n_days, seed))


def _per_store(values: pl.Series, store_id: pl.Series, expression: pl.Expr) -> pl.Series:
    """``expression`` over the column ``v``, evaluated per store, in the original row order."""
    frame = pl.DataFrame({"v": values, "store": store_id})
    return frame.select(expression.over("store")).to_series()


# -- calendar -------------------------------------------------------------------------------


def day_of_week(date: pl.Series) -> pl.Series:
    """0 = Monday ... 6 = Sunday."""
    return date.dt.weekday() - 1


@parameterize(**{
    f"is_{name}": {"day": value(number)}
    for number, name in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
})
def is_weekday(day_of_week: pl.Series, day: int) -> pl.Series:
    """1.0 on weekday number {day}, else 0.0."""
    return (day_of_week == day).cast(pl.Float64)


def year_sin(date: pl.Series) -> pl.Series:
    """Position in the year, sine part."""
    return (2 * math.pi * date.dt.ordinal_day().cast(pl.Float64) / 365.25).sin()


def year_cos(date: pl.Series) -> pl.Series:
    """Position in the year, cosine part."""
    return (2 * math.pi * date.dt.ordinal_day().cast(pl.Float64) / 365.25).cos()


def is_holiday(holiday: pl.Series) -> pl.Series:
    """1.0 on a public holiday."""
    return holiday.cast(pl.Float64)


# -- price ----------------------------------------------------------------------------------


def price_ratio(price: pl.Series, base_price: pl.Series) -> pl.Series:
    """Today's price over the store's base price."""
    return price / base_price


def log_price_ratio(price_ratio: pl.Series) -> pl.Series:
    """Log of the price ratio."""
    return price_ratio.log()


def price_change_1d(price: pl.Series, store_id: pl.Series) -> pl.Series:
    """Relative price change since yesterday in the same store (0 on a store's first day)."""
    return _per_store(price, store_id, pl.col("v").pct_change()).fill_null(0.0)


# -- promotions -----------------------------------------------------------------------------


def on_promo(promo: pl.Series) -> pl.Series:
    """1.0 when the product is on promotion that day."""
    return promo.cast(pl.Float64)


def promo_depth(on_promo: pl.Series, price_ratio: pl.Series) -> pl.Series:
    """How deep the promotion cuts the price (0 without a promotion)."""
    return on_promo * (1.0 - price_ratio).clip(lower_bound=0.0)


def promo_days_last_7(on_promo: pl.Series, store_id: pl.Series) -> pl.Series:
    """Promotion days in the 7 days before today, same store."""
    return _per_store(on_promo, store_id,
                      pl.col("v").shift(1).rolling_sum(7, min_samples=1)).fill_null(0.0)


# -- sales history --------------------------------------------------------------------------


def log_units(units: pl.Series) -> pl.Series:
    """log(1 + units): the model's target scale."""
    return units.cast(pl.Float64).log1p()


@parameterize(
    log_units_lag_7={"days": value(7)},
    log_units_lag_14={"days": value(14)},
    log_units_lag_28={"days": value(28)},
)
def log_units_lag(log_units: pl.Series, store_id: pl.Series, days: int) -> pl.Series:
    """log units {days} days earlier in the same store."""
    return _per_store(log_units, store_id, pl.col("v").shift(days))


@parameterize(
    log_units_mean_7={"window": value(7)},
    log_units_mean_28={"window": value(28)},
)
def log_units_mean(log_units: pl.Series, store_id: pl.Series, horizon: int,
                   window: int) -> pl.Series:
    """Mean log units over {window} days, ending ``horizon`` days ago, same store."""
    return _per_store(log_units, store_id, pl.col("v").shift(horizon).rolling_mean(window))


def history_complete(log_units_lag_28: pl.Series, log_units_mean_28: pl.Series) -> pl.Series:
    """True where every history feature is defined (the first weeks of a store are not)."""
    return log_units_lag_28.is_not_null() & log_units_mean_28.is_not_null()
