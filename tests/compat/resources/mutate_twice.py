"""Two @mutate functions of the same name: the second def replaces the first in the module."""

import pandas as pd
from hamilton.function_modifiers import mutate


def spend() -> pd.Series:
    return pd.Series([1.0, 2.0])


@mutate(spend)
def _adjust(s: pd.Series) -> pd.Series:
    return s + 1


@mutate(spend)
def _adjust(s: pd.Series) -> pd.Series:  # noqa: F811  (the point of the module)
    return s * 10
