"""polars LazyFrame integration (Hamilton's ``hamilton.plugins.h_polars_lazyframe``): a result
builder that returns a ``polars.LazyFrame`` and ``@with_columns`` for LazyFrames, whose column
functions take and return ``pl.Expr`` (nothing is computed until the frame is collected).

>>> import polars as pl
>>> PolarsLazyFrameResult().build_result(a=pl.Series([1, 2])).collect().shape
(2, 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from dataflow.base import ResultMixin
from dataflow.function_modifiers.pandas_columns import FrameKind
from dataflow.function_modifiers.pandas_columns import with_columns as _pandas_with_columns

from .h_polars import PolarsAppendColumns, PolarsDataFrameResult  # relative: dataflow.plugins

__all__ = ["PolarsLazyFrameResult", "with_columns"]


class PolarsLazyFrameResult(ResultMixin):
    """A ``polars.LazyFrame`` of the requested outputs: a single LazyFrame output is returned as
    is; otherwise the outputs are assembled as :class:`~plugins.h_polars.PolarsDataFrameResult`
    does and made lazy."""

    def build_result(self, **outputs: Any) -> pl.LazyFrame:
        if len(outputs) == 1:
            (only,) = outputs.values()
            if isinstance(only, pl.LazyFrame):
                return only
        return PolarsDataFrameResult().build_result(**outputs).lazy()

    def input_types(self) -> list[Any]:
        return [Any]

    def output_type(self) -> Any:
        return pl.LazyFrame


@dataclass(frozen=True, slots=True)
class ColumnExpression:
    """Node callable: ``pl.col(column)``, the column of the LazyFrame parameter as an expression
    (the frame is a dependency only so that the column is built after it)."""

    frame: str
    column: str

    def __call__(self, **kwargs: Any) -> pl.Expr:
        return pl.col(self.column)


LAZY = FrameKind(pl.LazyFrame, pl.Expr, "pl.LazyFrame", ColumnExpression, PolarsAppendColumns)


class with_columns(_pandas_with_columns):
    """``@with_columns`` for a ``pl.LazyFrame`` parameter: the loaded functions take and return
    ``pl.Expr``; the selected expressions are added with ``LazyFrame.with_columns``.

    >>> def doubled(a: pl.Expr) -> pl.Expr:
    ...     return a * 2
    >>> @with_columns(doubled, columns_to_pass=["a"])
    ... def final(frame: pl.LazyFrame) -> pl.LazyFrame:
    ...     return frame
    """

    kind = LAZY
