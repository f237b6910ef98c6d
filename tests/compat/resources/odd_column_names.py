"""Columns and fields whose names are not Python identifiers."""

import pandas as pd
from hamilton.function_modifiers import extract_columns, extract_fields


@extract_columns("Tax Rate", "unit price", "2023")
def table(raw: pd.DataFrame) -> pd.DataFrame:
    return raw


@extract_fields({"Field A": int, "1b": int})
def fields(n: int) -> dict:
    return {"Field A": n, "1b": n + 1}
