"""Stage 6, *result*: result builders turning requested values into the caller's object.

* :class:`DictResult` — the values by name.
* :class:`PandasDataFrameResult` — a wide DataFrame (the default of ``execute``).
* :class:`StrictIndexTypePandasDataFrameResult` — the same, refusing outputs whose indexes differ.
* :class:`NumpyMatrixResult` — a 2-D array, one column per output.

Index policy of :class:`PandasDataFrameResult` (as Hamilton): when the outputs' indexes differ,
it emits an :class:`IndexMismatchWarning` that names each differing output and the index it has,
then aligns on the union of the indexes (rows missing from an output become NaN). Use the strict
variant to turn that into an error.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dataflow.errors import DataflowError
from dataflow.lifecycle import ResultBuilder

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


class ResultError(DataflowError):
    """Outputs that cannot be assembled into the requested result."""


class IndexMismatchWarning(UserWarning):
    """Outputs of a DataFrame result have different indexes and were aligned."""


class DictResult(ResultBuilder):
    """The requested outputs as a plain ``dict`` (name → value)."""

    @staticmethod
    def build_result(**outputs: Any) -> dict[str, Any]:
        return outputs

    def output_type(self) -> Any:
        return dict


def _is_scalar(value: Any) -> bool:
    import pandas as pd

    return not isinstance(value, (pd.Series, pd.DataFrame, pd.Index)) and (
        pd.api.types.is_scalar(value) or getattr(value, "ndim", 1) == 0
    )


def _describe_index(index: pd.Index) -> str:
    if len(index) == 0:
        return f"{type(index).__name__} (empty)"
    return f"{type(index).__name__} of {len(index)} rows [{index[0]} .. {index[-1]}]"


def _columns_of(outputs: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, pd.Index]]]:
    """Columns by name and the ``(output, index)`` of each indexed output.

    A DataFrame output ``df`` contributes its columns as ``df.<column>`` (as Hamilton names
    them), so two DataFrames with a common column name never overwrite each other."""
    import numpy as np
    import pandas as pd

    columns: dict[str, Any] = {}
    indexes: list[tuple[str, pd.Index]] = []
    for name, value in outputs.items():
        if isinstance(value, pd.DataFrame):
            indexes.append((name, value.index))
            for column in value.columns:
                columns[f"{name}.{column}"] = value[column]
        elif isinstance(value, pd.Series):
            indexes.append((name, value.index))
            columns[name] = value
        elif isinstance(value, (np.ndarray, list, tuple)) or _is_scalar(value):
            columns[name] = value
        else:
            raise ResultError(
                f"Output {name!r} is a {type(value).__name__}, which cannot be a DataFrame "
                "column. Request it with DictResult, or return a Series, array or scalar."
            )
    return columns, indexes


def _differing_indexes(indexes: list[tuple[str, pd.Index]]) -> list[tuple[str, pd.Index]]:
    if not indexes:
        return []
    reference = indexes[0][1]
    return [(n, i) for n, i in indexes[1:] if i is not reference and not i.equals(reference)]


class PandasDataFrameResult(ResultBuilder):
    """A wide ``pandas.DataFrame``: Series become columns, scalars are broadcast, DataFrames
    contribute their columns. Built in one constructor call (no repeated concatenation, and
    no copy of the column data when all outputs share one index)."""

    strict = False

    def build_result(self, **outputs: Any) -> pd.DataFrame:
        import pandas as pd

        columns, indexes = _columns_of(outputs)
        differing = _differing_indexes(indexes)
        if differing:
            message = self._describe(indexes[0], differing)
            if self.strict:
                raise ResultError(message + "Align them before returning, or use "
                                  "PandasDataFrameResult to align on the union.")
            warnings.warn(message + "Aligned on the union of the indexes; rows missing from "
                          "an output are NaN.", IndexMismatchWarning, stacklevel=3)
            index = indexes[0][1]
            for _, other in differing:
                index = index.union(other, sort=False)
            columns = {
                k: (v.reindex(index) if isinstance(v, pd.Series) else v) for k, v in columns.items()
            }
            return pd.DataFrame(columns, index=index)
        if not indexes and all(_is_scalar(v) for v in columns.values()):
            return pd.DataFrame([columns])
        try:
            return pd.DataFrame(columns, index=indexes[0][1] if indexes else None, copy=False)
        except ValueError as error:
            lengths = {k: len(v) for k, v in columns.items() if not _is_scalar(v)}
            raise ResultError(f"Outputs cannot form one DataFrame: {error}. Lengths: {lengths}"
                              ) from error

    @staticmethod
    def _describe(reference: tuple[str, pd.Index], differing: list[tuple[str, pd.Index]]) -> str:
        lines = [f"  {reference[0]}: {_describe_index(reference[1])}"]
        lines += [f"  {name}: {_describe_index(index)}" for name, index in differing]
        return "Outputs have different indexes:\n" + "\n".join(lines) + "\n"

    def output_type(self) -> Any:
        import pandas as pd

        return pd.DataFrame


class StrictIndexTypePandasDataFrameResult(PandasDataFrameResult):
    """:class:`PandasDataFrameResult` that raises :class:`ResultError` when indexes differ."""

    strict = True


class NumpyMatrixResult(ResultBuilder):
    """A 2-D ``numpy`` array with one column per output, in request order. Scalars are
    broadcast; every other output must have the same length."""

    def build_result(self, **outputs: Any) -> np.ndarray:
        import numpy as np

        lengths = {k: len(v) for k, v in outputs.items() if not _is_scalar(v)}
        if len(set(lengths.values())) > 1:
            raise ResultError(f"Outputs of a NumpyMatrixResult must have one length; got {lengths}")
        rows = next(iter(lengths.values()), 1)
        matrix = np.empty((rows, len(outputs)), dtype=np.result_type(
            *[np.asarray(v).dtype for v in outputs.values()]) if outputs else float)
        for column, value in enumerate(outputs.values()):
            matrix[:, column] = np.asarray(value)
        return matrix

    def output_type(self) -> Any:
        import numpy as np

        return np.ndarray


class SimplePythonGraphAdapter:
    """Hamilton's legacy adapter: wraps a result builder (``adapter=`` of ``Driver``)."""

    def __init__(self, result_builder: ResultBuilder | None = None) -> None:
        self.result_builder = result_builder or PandasDataFrameResult()

    def build_result(self, **outputs: Any) -> Any:
        return self.result_builder.build_result(**outputs)


class SimplePythonDataFrameGraphAdapter(SimplePythonGraphAdapter):
    """Hamilton's legacy default adapter: a DataFrame result."""

    def __init__(self) -> None:
        super().__init__(PandasDataFrameResult())
