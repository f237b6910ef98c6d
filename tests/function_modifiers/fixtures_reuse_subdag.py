"""@subdag and @parameterized_subdag at module level (drivers on this module pickle)."""

from __future__ import annotations

import pandas as pd

from dataflow.function_modifiers import parameterized_subdag, source, subdag, value
from tests.function_modifiers import fixtures_reuse_subdag_features as features
from tests.function_modifiers import fixtures_reuse_subdag_nested as nested


def raw_a() -> pd.Series:
    return pd.Series([1.0, -3.0, 5.0])


@subdag(features, inputs={"raw": source("raw_a"), "factor": value(2.0)}, config={"floor": 0.0},
        external_inputs=["label"])
def features_a(mean_value: float, scaled: pd.Series, label: str) -> dict:
    return {"mean": mean_value, "max": float(scaled.max()), "label": label}


@parameterized_subdag(
    features,
    inputs={"factor": value(1.0)},
    config={"floor": 0.0},
    from_a={"inputs": {"raw": source("raw_a")}},
    from_b={"inputs": {"raw": source("raw_b")}, "config": {"floor": 5.0}},
)
def per_source(mean_value: float) -> float:
    return mean_value


@subdag(nested, inputs={"series": source("raw_b")}, namespace="outer")
def nested_result(inner_mean: float) -> float:
    return inner_mean


@subdag(features, inputs={"raw": source("raw_a")}, config={"floor": 0.0},
        namespace="from_driver", final_node_name="driver_factor_mean")
def uses_driver_config(mean_value: float) -> float:
    return mean_value
