"""pandera checks written as a Hamilton user would: ``check_output(schema=...)`` on a frame
whose columns are extracted, and ``h_pandera.check_output()`` on a ``DataFrame[Schema]``
return. The schema coerces ``units`` to float: the check must not change what flows on."""

import pandas as pd
import pandera as pa  # the top-level API: Hamilton 1.90 reads only its DataFrameModel
from pandera.typing import DataFrame, Series

from dataflow.function_modifiers import check_output, extract_columns
from plugins import h_pandera

SALES_SCHEMA = pa.DataFrameSchema({
    "price": pa.Column(float, pa.Check.ge(0)),
    "units": pa.Column(float, pa.Check.ge(0), coerce=True),
})


class Orders(pa.DataFrameModel):
    quantity: Series[int] = pa.Field(gt=0)
    status: Series[str] = pa.Field(isin=["open", "shipped"])


@extract_columns("price", "units")
@check_output(schema=SALES_SCHEMA, target_="sales", importance="warn")
def sales(sales_frame: pd.DataFrame) -> pd.DataFrame:
    return sales_frame


def units_dtype(units: pd.Series) -> str:
    return str(units.dtype)


def revenue(price: pd.Series, units: pd.Series) -> pd.Series:
    return price * units


@h_pandera.check_output(importance="warn")
def orders(orders_frame: pd.DataFrame) -> DataFrame[Orders]:
    return orders_frame


def open_orders(orders: pd.DataFrame) -> int:
    return int((orders["status"] == "open").sum())
