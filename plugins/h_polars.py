"""polars integration (Hamilton's ``hamilton.plugins.h_polars``): a result builder that returns
a ``polars.DataFrame`` and ``@with_columns`` for polars DataFrames.

``@extract_columns`` works on functions annotated ``-> pl.DataFrame`` without this plugin (the
columns are ``pl.Series`` nodes); it is re-exported here so ported imports keep working. For
``pl.LazyFrame`` see :mod:`plugins.h_polars_lazyframe`. See ``docs/polars.md``.

>>> import polars as pl
>>> PolarsDataFrameResult().build_result(a=pl.Series([1, 2]), b=pl.Series([3, 4])).shape
(2, 2)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from dataflow.base import ResultError, ResultMixin
from dataflow.function_modifiers.extractors import extract_columns
from dataflow.function_modifiers.pandas_columns import FrameKind
from dataflow.function_modifiers.pandas_columns import with_columns as _pandas_with_columns

__all__ = ["PolarsDataFrameResult", "extract_columns", "with_columns"]


def _frame_columns(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Every output as named columns: a Series is one column, a DataFrame contributes each of
    its columns as ``<output>.<column>`` (a single DataFrame output keeps its own names, see
    :meth:`PolarsDataFrameResult.build_result`), a LazyFrame is collected first, anything else is
    a scalar broadcast over the rows."""
    columns: dict[str, Any] = {}
    for name, value in outputs.items():
        if isinstance(value, pl.LazyFrame):
            value = value.collect()
        if isinstance(value, pl.DataFrame):
            for series in value.get_columns():
                columns[f"{name}.{series.name}"] = series
        elif isinstance(value, pl.Series):
            columns[name] = value
        else:
            columns[name] = value
    return columns


class PolarsDataFrameResult(ResultMixin):
    """A ``polars.DataFrame`` of the requested outputs: Series become columns (named after the
    outputs), scalars are broadcast over the rows, a single DataFrame (or LazyFrame, collected)
    output is returned as is; a single scalar gives a one-row frame, as in Hamilton.

    Outputs of different lengths raise :class:`~dataflow.base.ResultError` listing the lengths
    (polars has no index to align on)."""

    def build_result(self, **outputs: Any) -> pl.DataFrame:
        if len(outputs) == 1:
            ((name, only),) = outputs.items()
            if isinstance(only, pl.DataFrame):
                return only
            if isinstance(only, pl.LazyFrame):
                return only.collect()
            if not isinstance(only, pl.Series):
                return pl.DataFrame({name: [only]})
        columns = _frame_columns(outputs)
        series = [s for s in columns.values() if isinstance(s, pl.Series)]
        if not series:  # only scalars: one row
            return pl.DataFrame({k: [v] for k, v in columns.items()})
        lengths = {k: len(v) for k, v in columns.items() if isinstance(v, pl.Series)}
        if len(set(lengths.values())) > 1:
            raise ResultError(f"Outputs cannot form one polars DataFrame: their lengths differ "
                              f"{lengths}. Return columns of one length, or request them in "
                              "separate executions.")
        height = len(series[0])
        return pl.DataFrame([
            value.alias(name) if isinstance(value, pl.Series)
            else pl.repeat(value, height, eager=True).alias(name)
            for name, value in columns.items()])

    def input_types(self) -> list[Any]:
        return [Any]

    def output_type(self) -> Any:
        return pl.DataFrame


@dataclass(frozen=True, slots=True)
class PolarsColumnOf:
    """Node callable: one column of a polars DataFrame (picklable)."""

    frame: str
    column: str

    def __call__(self, **kwargs: Any) -> pl.Series:
        frame = kwargs[self.frame]
        if self.column not in frame.columns:
            raise KeyError(
                f"with_columns: column {self.column!r} (from columns_to_pass) is not in the "
                f"polars DataFrame {self.frame!r}, whose columns are {frame.columns}.")
        return frame.get_column(self.column)


@dataclass(frozen=True, slots=True)
class PolarsAppendColumns:
    """Node callable: ``frame.with_columns(...)`` of the selected columns (a new frame; polars
    frames are not modified in place). A column of the frame's name is replaced."""

    frame: str
    columns: tuple[tuple[str, str], ...]

    def __call__(self, **kwargs: Any) -> Any:
        return kwargs[self.frame].with_columns(
            **{column: kwargs[dep] for column, dep in self.columns})


POLARS = FrameKind(pl.DataFrame, pl.Series, "pl.DataFrame", PolarsColumnOf, PolarsAppendColumns)


class with_columns(_pandas_with_columns):
    """``@with_columns`` for a ``pl.DataFrame`` parameter: the loaded functions take and return
    ``pl.Series``; the selected columns are added with ``DataFrame.with_columns`` before the
    decorated function runs. Parameters as in ``dataflow.plugins.h_pandas.with_columns``
    (``columns_to_pass``, ``pass_dataframe_as``, ``on_input``, ``select``, ``namespace``).

    >>> def doubled(a: pl.Series) -> pl.Series:
    ...     return a * 2
    >>> @with_columns(doubled, columns_to_pass=["a"])
    ... def final(frame: pl.DataFrame) -> pl.DataFrame:
    ...     return frame
    """

    kind = POLARS
