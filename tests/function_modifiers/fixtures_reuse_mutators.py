"""@mutate applied to functions of fixtures_reuse_mutate_targets (another module)."""

from __future__ import annotations

import pandas as pd

from dataflow.function_modifiers import apply_to, mutate, source, value
from tests.function_modifiers import fixtures_reuse_mutate_targets as targets


def floor_value() -> float:
    return 0.0


@mutate(targets.spend, "signups", lower=source("floor_value"))
def _floor(series: pd.Series, lower: float) -> pd.Series:
    return series.clip(lower=lower)


@mutate(
    apply_to(targets.spend, factor=value(10.0)),
    apply_to(targets.already_piped, factor=value(2.0)).named("doubled"),
    apply_to(targets.signups, factor=value(3.0)).when(scale_signups=True),
)
def _scale(series: pd.Series, factor: float) -> pd.Series:
    return series * factor
