"""@check_output / @check_output_custom at module level (drivers on this module pickle)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dataflow.data_quality import DataValidator, ValidationResult
from dataflow.function_modifiers import check_output, check_output_custom


class EvenValidator(DataValidator):
    """A custom validator: the value is even."""

    def applies_to(self, datatype: Any) -> bool:
        return datatype is int

    def description(self) -> str:
        return "The value is even."

    @classmethod
    def name(cls) -> str:
        return "even_validator"

    def validate(self, dataset: int) -> ValidationResult:
        passes = dataset % 2 == 0
        return ValidationResult(passes, f"{dataset} is {'' if passes else 'not '}even",
                                {"value": dataset})


class PositiveValidator(EvenValidator):
    def description(self) -> str:
        return "The value is positive."

    @classmethod
    def name(cls) -> str:
        return "positive_validator"

    def validate(self, dataset: int) -> ValidationResult:
        return ValidationResult(dataset > 0, f"{dataset} is {'' if dataset > 0 else 'not '}"
                                "positive", {})


@check_output(data_type=np.float64, range=(0.0, 1.0), max_fraction_nans=0.0, importance="fail")
def share(raw: pd.Series) -> pd.Series:
    return raw / raw.sum()


@check_output(mean_in_range=(0.0, 10.0), max_standard_dev=5.0, allow_nans=False)
def spread(raw: pd.Series) -> pd.Series:
    return raw


@check_output(values_in=["a", "b"], contains="a", does_not_contain=[" "], importance="warn")
def label(raw_label: str) -> str:
    return raw_label


@check_output(range=(0, 10), importance="warn")
@check_output(allow_none=False, values_in=[1, 2, 3, 4, 5, 6, 7, 8, 20], importance="fail")
def count(n: int) -> int:
    return n


@check_output_custom(EvenValidator("fail"), PositiveValidator("warn"))
def even(n: int) -> int:
    return n
