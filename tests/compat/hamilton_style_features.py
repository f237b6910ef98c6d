"""A feature module written for Apache Hamilton; only the import root was changed."""

import pandas as pd
from dataflow.plugins import h_pandas  # noqa: F401  (Hamilton needs this import to register pandas)

from dataflow.function_modifiers import (
    check_output,
    config,
    does,
    extract_columns,
    extract_fields,
    group,
    inject,
    parameterize,
    parameterize_sources,
    pipe_output,
    source,
    step,
    tag,
    value,
)


@extract_columns("price", "units", "promo")
def raw(raw_frame: pd.DataFrame) -> pd.DataFrame:
    return raw_frame


def revenue(price: pd.Series, units: pd.Series) -> pd.Series:
    return price * units


@parameterize(
    revenue_lag_1={"lag": value(1)},
    revenue_lag_7={"lag": value(7)},
)
def revenue_lag(revenue: pd.Series, lag: int) -> pd.Series:
    """Revenue {lag} days ago."""
    return revenue.shift(lag)


@parameterize_sources(price_sq={"x": "price"}, units_sq={"x": "units"})
def squared(x: pd.Series) -> pd.Series:
    return x ** 2


@config.when(region="eu")
def tax__eu(revenue: pd.Series) -> pd.Series:
    return revenue * 0.2


@config.when_not(region="eu")
def tax__other(revenue: pd.Series) -> pd.Series:
    return revenue * 0.1


@tag(owner="pricing", pii="false")
@check_output(range=(0.0, 1e9), importance="warn")
def net(revenue: pd.Series, tax: pd.Series) -> pd.Series:
    return revenue - tax


def _add(a: pd.Series, b: pd.Series) -> pd.Series:
    return a + b


@does(_add, a="price", b="units")
def price_plus_units(price: pd.Series, units: pd.Series) -> pd.Series:
    pass


@inject(parts=group(source("price"), source("units"), source("promo")))
def total_parts(parts: list[pd.Series]) -> pd.Series:
    return sum(parts)


def _scale(x: pd.Series, factor: float) -> pd.Series:
    return x * factor


@pipe_output(step(_scale, factor=value(10.0)), step(_scale, factor=value(0.5)))
def promo_score(promo: pd.Series) -> pd.Series:
    return promo + 1


@extract_fields({"mean_units": float, "max_units": float})
def unit_stats(units: pd.Series) -> dict:
    return {"mean_units": float(units.mean()), "max_units": float(units.max())}
