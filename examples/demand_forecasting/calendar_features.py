"""Calendar features: weekday, season and holidays."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dataflow.function_modifiers import parameterize, value


def day_of_week(date: pd.Series) -> pd.Series:
    """0 = Monday ... 6 = Sunday."""
    return date.dt.day_of_week


@parameterize(**{
    f"is_{name}": {"day": value(number)}
    for number, name in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
})
def is_weekday(day_of_week: pd.Series, day: int) -> pd.Series:
    """1.0 on weekday number {day}, else 0.0."""
    return (day_of_week == day).astype(float)


def year_sin(date: pd.Series) -> pd.Series:
    """Position in the year, sine part."""
    return np.sin(2 * np.pi * date.dt.day_of_year / 365.25)


def year_cos(date: pd.Series) -> pd.Series:
    """Position in the year, cosine part."""
    return np.cos(2 * np.pi * date.dt.day_of_year / 365.25)


def is_holiday(holiday: pd.Series) -> pd.Series:
    """1.0 on a public holiday."""
    return holiday.astype(float)
