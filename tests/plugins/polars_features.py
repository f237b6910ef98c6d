"""A polars feature module written as a Hamilton user would (ported by the import root; the
plugin import is relocated to ``hamilton.plugins`` for the Hamilton twin)."""

import polars as pl

from dataflow.function_modifiers import extract_columns
from plugins import h_polars, h_polars_lazyframe
from tests.plugins import polars_column_functions as columns


@extract_columns("price", "units")
def sales(sales_frame: pl.DataFrame) -> pl.DataFrame:
    return sales_frame


def revenue(price: pl.Series, units: pl.Series) -> pl.Series:
    return price * units


def mean_units(units: pl.Series) -> float:
    return float(units.mean())


@h_polars.with_columns(columns.price_sq, columns.units_centred, columns_to_pass=["price", "units"])
def enriched(sales_frame: pl.DataFrame) -> pl.DataFrame:
    return sales_frame


def lazy_sales(sales_frame: pl.DataFrame) -> pl.LazyFrame:
    return sales_frame.lazy()


@h_polars_lazyframe.with_columns(columns.price_with_tax, columns.units_doubled,
                                 columns_to_pass=["price", "units"])
def lazy_enriched(lazy_sales: pl.LazyFrame) -> pl.LazyFrame:
    return lazy_sales
