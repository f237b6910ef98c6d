"""The validators ``@check_output`` finds by keyword and by the node's annotated type.

| keyword | pandas ``Series`` | numbers | ``str`` | anything |
|---|---|---|---|---|
| ``data_type`` | dtype is a subtype (``np.issubdtype``) | ``isinstance`` | ``isinstance`` | |
| ``range`` (inclusive) | every value | the value | | |
| ``values_in`` | every non-NA value | the value | the value | |
| ``max_fraction_nans`` | fraction of NA values | | | |
| ``allow_nans`` (``False`` only) | no NA value | | | |
| ``max_standard_dev`` | ``Series.std()`` | | | |
| ``mean_in_range`` (inclusive) | ``Series.mean()`` | | | |
| ``allow_none`` | | | | value is not ``None`` |
| ``contains`` / ``does_not_contain`` | | | substring(s) | |
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from dataflow.data_quality.base import BaseDefaultValidator, ValidationResult, runtime_class


def _subclass(datatype: Any, *classes: type) -> bool:
    runtime = runtime_class(datatype)
    return runtime is not None and issubclass(runtime, classes)


def _pair(value: Any, keyword: str) -> tuple[Any, Any]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{keyword} takes a (low, high) pair; got {value!r}")
    low, high = value
    if low > high:
        raise ValueError(f"{keyword}=({low!r}, {high!r}): low is greater than high")
    return low, high


class DataInRangeValidatorPandasSeries(BaseDefaultValidator):
    def __init__(self, range: tuple[float, float], importance: str) -> None:
        super().__init__(importance)
        self.range = _pair(range, "range")

    @classmethod
    def arg(cls) -> str:
        return "range"

    @classmethod
    def applies_to(cls, datatype: Any) -> bool:
        return _subclass(datatype, pd.Series)

    def description(self) -> str:
        return f"Every value lies in [{self.range[0]}, {self.range[1]}]."

    def validate(self, dataset: pd.Series) -> ValidationResult:
        low, high = self.range
        inside = int(dataset.between(low, high, inclusive="both").sum())
        outside = len(dataset) - inside
        return ValidationResult(
            passes=outside == 0,
            message=f"{inside} of {len(dataset)} values lie in [{low}, {high}], {outside} do not.",
            diagnostics={"range": self.range, "in_range": inside, "out_range": outside,
                         "data_size": len(dataset)},
        )


class DataInRangeValidatorPrimitives(BaseDefaultValidator):
    def __init__(self, range: tuple[float, float], importance: str) -> None:
        super().__init__(importance)
        self.range = _pair(range, "range")

    @classmethod
    def arg(cls) -> str:
        return "range"

    @classmethod
    def applies_to(cls, datatype: Any) -> bool:
        return _subclass(datatype, numbers.Real)

    def description(self) -> str:
        return f"The value lies in [{self.range[0]}, {self.range[1]}]."

    def validate(self, dataset: Any) -> ValidationResult:
        low, high = self.range
        passes = bool(low <= dataset <= high)
        verb = "lies" if passes else "does not lie"
        return ValidationResult(passes, f"{dataset} {verb} in [{low}, {high}].",
                                {"range": self.range, "value": dataset})


class DataInValuesValidatorPandasSeries(BaseDefaultValidator):
    def __init__(self, values_in: Iterable[Any], importance: str) -> None:
        super().__init__(importance)
        self.values = frozenset(values_in)

    @classmethod
    def arg(cls) -> str:
        return "values_in"

    @classmethod
    def applies_to(cls, datatype: Any) -> bool:
        return _subclass(datatype, pd.Series)

    def description(self) -> str:
        return f"Every non-NA value is one of {sorted(map(repr, self.values))}."

    def validate(self, dataset: pd.Series) -> ValidationResult:
        bad = dataset[~(dataset.isin(self.values) | dataset.isna())]
        return ValidationResult(
            passes=bad.empty,
            message=(f"{len(bad)} of {len(dataset)} values are not among the allowed values"
                     + ("." if bad.empty else f" {sorted(map(repr, self.values))}.")),
            diagnostics={"values": self.values, "correct_values_count": len(dataset) - len(bad),
                         "incorrect_values_count": len(bad),
                         "incorrect_values": bad.value_counts().to_dict(),
                         "data_size": len(dataset)},
        )


class DataInValuesValidatorPrimitives(BaseDefaultValidator):
    def __init__(self, values_in: Iterable[Any], importance: str) -> None:
        super().__init__(importance)
        self.values = frozenset(values_in)

    @classmethod
    def arg(cls) -> str:
        return "values_in"

    @classmethod
    def applies_to(cls, datatype: Any) -> bool:
        return _subclass(datatype, numbers.Real, str)

    def description(self) -> str:
        return f"The value is one of {sorted(map(repr, self.values))}."

    def validate(self, dataset: Any) -> ValidationResult:
        passes = dataset in self.values
        return ValidationResult(
            passes, f"{dataset!r} is {'' if passes else 'not '}one of the allowed values.",
            {"values": self.values, "was_correct": passes,
             "incorrect_value": None if passes else dataset, "data_size": 1})


class MaxFractionNansValidatorPandasSeries(BaseDefaultValidator):
    def __init__(self, max_fraction_nans: float, importance: str) -> None:
        super().__init__(importance)
        if not 0 <= max_fraction_nans <= 1:
            raise ValueError(f"max_fraction_nans must be in [0, 1]; got {max_fraction_nans!r}")
        self.max_fraction_nans = max_fraction_nans

    @classmethod
    def arg(cls) -> str:
        return "max_fraction_nans"

    @classmethod
    def applies_to(cls, datatype: Any) -> bool:
        return _subclass(datatype, pd.Series)

    def description(self) -> str:
        return f"At most {self.max_fraction_nans:.2%} of the values are NA."

    def validate(self, dataset: pd.Series) -> ValidationResult:
        total = len(dataset)
        missing = dataset.isna().sum()  # numpy scalars, as Hamilton reports them
        fraction = missing / total if total else 0
        return ValidationResult(
            passes=bool(fraction <= self.max_fraction_nans),
            message=(f"{missing} of {total} values are NA ({fraction:.2%}); at most "
                     f"{self.max_fraction_nans:.2%} allowed."),
            diagnostics={"total_nan": missing, "total_length": total, "fraction_na": fraction,
                         "max_fraction_na": self.max_fraction_nans},
        )


class AllowNaNsValidatorPandasSeries(MaxFractionNansValidatorPandasSeries):
    def __init__(self, allow_nans: bool, importance: str) -> None:
        if allow_nans:
            raise ValueError("allow_nans=True checks nothing; pass allow_nans=False to forbid NA "
                             "values, or max_fraction_nans=... to bound them.")
        super().__init__(0, importance)  # an int 0, as Hamilton reports it

    @classmethod
    def arg(cls) -> str:
        return "allow_nans"


class DataTypeValidatorPandasSeries(BaseDefaultValidator):
    def __init__(self, data_type: Any, importance: str) -> None:
        super().__init__(importance)
        self.datatype = data_type

    @classmethod
    def arg(cls) -> str:
        return "data_type"

    @classmethod
    def applies_to(cls, datatype: Any) -> bool:
        return _subclass(datatype, pd.Series)

    def description(self) -> str:
        return f"The series' dtype is a subtype of {self.datatype}."

    def validate(self, dataset: pd.Series) -> ValidationResult:
        dtype: Any = getattr(dataset.dtype, "type", dataset.dtype)
        passes = bool(np.issubdtype(dtype, self.datatype))
        return ValidationResult(
            passes, f"dtype {dtype} is {'' if passes else 'not '}a subtype of {self.datatype}.",
            {"required_dtype": self.datatype, "actual_dtype": dtype})


class DataTypeValidatorPrimitives(BaseDefaultValidator):
    def __init__(self, data_type: type, importance: str) -> None:
        super().__init__(importance)
        self.datatype = data_type

    @classmethod
    def arg(cls) -> str:
        return "data_type"

    @classmethod
    def applies_to(cls, datatype: Any) -> bool:
        return _subclass(datatype, numbers.Real, str, bool, list, dict)

    def description(self) -> str:
        return f"The value is an instance of {self.datatype}."

    def validate(self, dataset: Any) -> ValidationResult:
        passes = isinstance(dataset, self.datatype)
        return ValidationResult(
            passes, f"{type(dataset).__name__} is {'' if passes else 'not '}a {self.datatype}.",
            {"required_data_type": self.datatype, "actual_data_type": type(dataset)})


class MaxStandardDevValidatorPandasSeries(BaseDefaultValidator):
    def __init__(self, max_standard_dev: float, importance: str) -> None:
        super().__init__(importance)
        self.max_standard_dev = max_standard_dev

    @classmethod
    def arg(cls) -> str:
        return "max_standard_dev"

    @classmethod
    def applies_to(cls, datatype: Any) -> bool:
        return _subclass(datatype, pd.Series)

    def description(self) -> str:
        return f"The standard deviation is at most {self.max_standard_dev}."

    def validate(self, dataset: pd.Series) -> ValidationResult:
        deviation = dataset.std()
        passes = bool(deviation <= self.max_standard_dev)
        return ValidationResult(
            passes, f"standard deviation {deviation} (at most {self.max_standard_dev} allowed).",
            {"standard_dev": deviation, "max_standard_dev": self.max_standard_dev})


class MeanInRangeValidatorPandasSeries(BaseDefaultValidator):
    def __init__(self, mean_in_range: tuple[float, float], importance: str) -> None:
        super().__init__(importance)
        self.mean_in_range = _pair(mean_in_range, "mean_in_range")

    @classmethod
    def arg(cls) -> str:
        return "mean_in_range"

    @classmethod
    def applies_to(cls, datatype: Any) -> bool:
        return _subclass(datatype, pd.Series)

    def description(self) -> str:
        return f"The mean lies in [{self.mean_in_range[0]}, {self.mean_in_range[1]}]."

    def validate(self, dataset: pd.Series) -> ValidationResult:
        mean = dataset.mean()
        low, high = self.mean_in_range
        passes = bool(low <= mean <= high)
        return ValidationResult(
            passes, f"mean {mean} {'lies' if passes else 'does not lie'} in [{low}, {high}].",
            {"dataset_mean": mean, "mean_in_range": self.mean_in_range})


class AllowNoneValidator(BaseDefaultValidator):
    def __init__(self, allow_none: bool, importance: str) -> None:
        super().__init__(importance)
        self.allow_none = allow_none

    @classmethod
    def arg(cls) -> str:
        return "allow_none"

    @classmethod
    def applies_to(cls, datatype: Any) -> bool:
        return True

    def description(self) -> str:
        return "Anything passes." if self.allow_none else "The value is not None."

    def validate(self, dataset: Any) -> ValidationResult:
        passes = self.allow_none or dataset is not None
        return ValidationResult(passes, "The value is not None." if passes
                                else "The value is None, which is not allowed.", {})


def _strings(value: str | Iterable[str], keyword: str) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else tuple(value)
    if not items or not all(isinstance(i, str) for i in items):
        raise ValueError(f"{keyword} takes a string or a list of strings; got {value!r}")
    return items


class StrContainsValidator(BaseDefaultValidator):
    def __init__(self, contains: str | list[str], importance: str) -> None:
        super().__init__(importance)
        self.contains = _strings(contains, "contains")

    @classmethod
    def arg(cls) -> str:
        return "contains"

    @classmethod
    def applies_to(cls, datatype: Any) -> bool:
        return _subclass(datatype, str)

    def description(self) -> str:
        return f"The string contains each of {list(self.contains)}."

    def validate(self, dataset: str) -> ValidationResult:
        missing = [c for c in self.contains if c not in dataset]
        return ValidationResult(not missing, "All substrings found." if not missing
                                else f"The string lacks {missing}.",
                                {"contains": list(self.contains), "data": dataset[:100]}
                                if missing else {})


class StrDoesNotContainValidator(BaseDefaultValidator):
    def __init__(self, does_not_contain: str | list[str], importance: str) -> None:
        super().__init__(importance)
        self.does_not_contain = _strings(does_not_contain, "does_not_contain")

    @classmethod
    def arg(cls) -> str:
        return "does_not_contain"

    @classmethod
    def applies_to(cls, datatype: Any) -> bool:
        return _subclass(datatype, str)

    def description(self) -> str:
        return f"The string contains none of {list(self.does_not_contain)}."

    def validate(self, dataset: str) -> ValidationResult:
        found = [c for c in self.does_not_contain if c in dataset]
        return ValidationResult(not found, "No forbidden substring." if not found
                                else f"The string contains {found}.",
                                {"does_not_contain": list(self.does_not_contain),
                                 "data": dataset[:100]} if found else {})


AVAILABLE_DEFAULT_VALIDATORS: tuple[type[BaseDefaultValidator], ...] = (
    DataTypeValidatorPandasSeries,
    DataTypeValidatorPrimitives,
    DataInRangeValidatorPandasSeries,
    DataInRangeValidatorPrimitives,
    DataInValuesValidatorPandasSeries,
    DataInValuesValidatorPrimitives,
    MaxFractionNansValidatorPandasSeries,
    AllowNaNsValidatorPandasSeries,
    MaxStandardDevValidatorPandasSeries,
    MeanInRangeValidatorPandasSeries,
    AllowNoneValidator,
    StrContainsValidator,
    StrDoesNotContainValidator,
)
"""In the order they are tried: the first class whose ``arg()`` matches the keyword and that
``applies_to`` the node's type is used."""

EXTENSION_MODULES: dict[str, tuple[str, str]] = {
    "schema": ("dataflow.data_quality.pandera_validators", "pandera"),
    "model": ("dataflow.data_quality.pydantic_validators", "pydantic"),
}
"""Keywords whose validators live in a module of their own, imported only when the keyword is
used (``schema``: pandera, ``model``: pydantic), with the extra that installs the library."""

VALIDATOR_KEYWORDS: tuple[str, ...] = (
    *dict.fromkeys(v.arg() for v in AVAILABLE_DEFAULT_VALIDATORS), *EXTENSION_MODULES)


def _extension(keyword: str) -> Any:
    import importlib

    module, extra = EXTENSION_MODULES[keyword]
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(f"check_output({keyword}=...) needs {extra}: pip install "
                          f"'dataflow[{extra}]' ({error})") from error


def validator_class_for(keyword: str, datatype: Any) -> type[BaseDefaultValidator] | None:
    """The default validator class for ``keyword`` on values annotated ``datatype``."""
    candidates = (_extension(keyword).VALIDATORS if keyword in EXTENSION_MODULES
                  else AVAILABLE_DEFAULT_VALIDATORS)
    for candidate in candidates:
        if candidate.arg() == keyword and candidate.applies_to(datatype):
            return candidate
    return None


def types_for(keyword: str) -> list[str]:
    """Readable names of what ``keyword`` applies to, for error messages."""
    if keyword in EXTENSION_MODULES:
        return list(_extension(keyword).TYPES.values())
    names = {
        DataTypeValidatorPandasSeries: "pd.Series", DataInRangeValidatorPandasSeries: "pd.Series",
        DataInValuesValidatorPandasSeries: "pd.Series",
        MaxFractionNansValidatorPandasSeries: "pd.Series",
        AllowNaNsValidatorPandasSeries: "pd.Series",
        MaxStandardDevValidatorPandasSeries: "pd.Series",
        MeanInRangeValidatorPandasSeries: "pd.Series",
        DataTypeValidatorPrimitives: "numbers, str, bool, list, dict",
        DataInRangeValidatorPrimitives: "numbers", DataInValuesValidatorPrimitives: "numbers, str",
        AllowNoneValidator: "any type", StrContainsValidator: "str",
        StrDoesNotContainValidator: "str",
    }
    return [names[c] for c in AVAILABLE_DEFAULT_VALIDATORS if c.arg() == keyword]
