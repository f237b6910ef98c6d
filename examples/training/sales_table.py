"""The SQL extract's frame as the columns the demand-forecasting feature modules start from."""

from __future__ import annotations

import pandas as pd

from dataflow.function_modifiers import extract_columns


@extract_columns("store_id", "date", "units", "price", "base_price", "promo", "holiday")
def sales_columns(sales: pd.DataFrame) -> pd.DataFrame:
    """The rows sorted by store and day (what the lag features expect), on a fresh index."""
    frame = sales.sort_values(["store_id", "date"]).reset_index(drop=True)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame
