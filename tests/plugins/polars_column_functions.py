"""Column functions that ``polars_features`` appends with ``with_columns`` (eager and lazy)."""

import polars as pl


def price_sq(price: pl.Series) -> pl.Series:
    return price**2


def units_centred(units: pl.Series) -> pl.Series:
    return units - units.mean()


def price_with_tax(price: pl.Expr) -> pl.Expr:
    return price * 1.2


def units_doubled(units: pl.Expr) -> pl.Expr:
    return units * 2
