"""Targets of @mutate; they know nothing about the mutators (defined in another module)."""

from __future__ import annotations

import pandas as pd

from dataflow.function_modifiers import pipe_output, step


def _plus_one(v: pd.Series) -> pd.Series:
    return v + 1


def spend() -> pd.Series:
    return pd.Series([1.0, -2.0, 3.0])


def signups() -> pd.Series:
    return pd.Series([10.0, 20.0, 30.0])


@pipe_output(step(_plus_one))
def already_piped() -> pd.Series:
    return pd.Series([0.0, 1.0])


def untouched() -> pd.Series:
    return pd.Series([5.0])
