"""A module that itself holds a @subdag (for nesting)."""

from __future__ import annotations

from dataflow.function_modifiers import source, subdag, value
from tests.function_modifiers import fixtures_reuse_subdag_features as features


@subdag(features, inputs={"raw": source("series"), "factor": value(10.0)},
        config={"floor": 0.0}, namespace="inner")
def inner_mean(mean_value: float) -> float:
    return mean_value
