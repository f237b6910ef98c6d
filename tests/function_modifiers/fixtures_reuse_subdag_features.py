"""A feature module reused by @subdag; it uses decorators itself."""

from __future__ import annotations

import pandas as pd

from dataflow.function_modifiers import check_output, pipe_output, step


def _rounded(v: float, digits: int) -> float:
    return round(v, digits)


def cleaned(raw: pd.Series, floor: float) -> pd.Series:
    return raw.clip(lower=floor)


@check_output(range=(0.0, 1000.0), importance="fail")
def scaled(cleaned: pd.Series, factor: float) -> pd.Series:
    return cleaned * factor


@pipe_output(step(_rounded, digits=1))
def mean_value(scaled: pd.Series) -> float:
    return float(scaled.mean())
