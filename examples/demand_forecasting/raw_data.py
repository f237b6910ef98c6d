"""Loading: the raw sales table, split into one column node per field."""

from __future__ import annotations

import pandas as pd

from dataflow.function_modifiers import extract_columns

from .synthetic import sales_frame


@extract_columns("store_id", "date", "units", "price", "base_price", "promo", "holiday")
def sales(n_stores: int, n_days: int, seed: int) -> pd.DataFrame:
    """Daily sales per store (long format: one row per store and day)."""
    return sales_frame(n_stores, n_days, seed)
