"""Stage 6, *result*: result builders turning requested values into the caller's object.

* :class:`DictResult` — the values by name.
* :class:`PandasDataFrameResult` — a wide DataFrame (the default of ``execute``).
* :class:`StrictIndexTypePandasDataFrameResult` — the same, refusing outputs whose indexes differ.
* :class:`NumpyMatrixResult` — a 2-D array, one column per output.

Index policy of :class:`PandasDataFrameResult` (as Hamilton): when the outputs' indexes differ,
it emits an :class:`IndexMismatchWarning` that names each differing output and the index it has,
then aligns on the union of the indexes (rows missing from an output become NaN). Use the strict
variant to turn that into an error. Aligning indexes that repeat a label is ambiguous, so it is
an error naming the outputs with repeated labels.

The frame never shares memory with the caller's values: on pandas 3 (copy-on-write) Series
columns are copied lazily, only if someone writes to them; on pandas 2 without copy-on-write
(``"warn"`` mode included) the data is copied once while the frame is assembled; numpy array
outputs are always copied (copy-on-write does not guard them).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dataflow.errors import DataflowError
from dataflow.lifecycle import ResultBuilder
from dataflow.node import qualified_type_name

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


class ResultError(DataflowError):
    """Outputs that cannot be assembled into the requested result."""


class IndexMismatchWarning(UserWarning):
    """Outputs of a DataFrame result have different indexes and were aligned."""


class ResultMixin(ResultBuilder):
    """Hamilton's name for the base class of result builders (``hamilton.base.ResultMixin``)."""


class DictResult(ResultMixin):
    """The requested outputs as a plain ``dict`` (name → value)."""

    @staticmethod
    def build_result(**outputs: Any) -> dict[str, Any]:
        return outputs

    def input_types(self) -> list[Any]:
        return [Any]

    def output_type(self) -> Any:
        return dict


def _copy_needed() -> bool:
    """True when a DataFrame built from Series would share their memory for writes: pandas
    before 3 without copy-on-write switched on."""
    import pandas as pd

    if int(pd.__version__.split(".", 1)[0]) >= 3:
        return False
    return pd.options.mode.copy_on_write is not True  # "warn" does not copy on write


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
        elif isinstance(value, np.ndarray):  # copy-on-write guards pandas objects only
            columns[name] = value.copy()
        elif isinstance(value, (list, tuple)) or _is_scalar(value):
            columns[name] = value
        else:
            raise ResultError(
                f"Output {name!r} is of type {qualified_type_name(type(value))}, which cannot be "
                "a DataFrame column. Request it with DictResult, or return a Series, array or "
                "scalar."
            )
    return columns, indexes


def _differing_indexes(indexes: list[tuple[str, pd.Index]]) -> list[tuple[str, pd.Index]]:
    if not indexes:
        return []
    reference = indexes[0][1]
    return [(n, i) for n, i in indexes[1:] if i is not reference and not i.equals(reference)]


class PandasDataFrameResult(ResultMixin):
    """A wide ``pandas.DataFrame``: Series become columns, scalars are broadcast, DataFrames
    contribute their columns (as ``output.column``; a single DataFrame output is returned with
    its own column names, as in Hamilton). Built in one constructor call (no repeated
    concatenation; on pandas 3 no copy of the column data when all outputs share one index)."""

    strict = False

    def build_result(self, **outputs: Any) -> pd.DataFrame:
        import pandas as pd

        copy = _copy_needed()
        if len(outputs) == 1:
            (only,) = outputs.values()
            if isinstance(only, pd.DataFrame):
                return only.copy(deep=copy)  # a new object either way; data lazily on pandas 3
        columns, indexes = _columns_of(outputs)
        differing = _differing_indexes(indexes)
        if differing:
            _refuse_repeated_labels(indexes)
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
            return pd.DataFrame(columns, index=indexes[0][1] if indexes else None, copy=copy)
        except ValueError as error:
            lengths = {k: len(v) for k, v in columns.items() if not _is_scalar(v)}
            raise ResultError(f"Outputs cannot form one DataFrame: {error}. Lengths: {lengths}"
                              ) from error

    @staticmethod
    def _describe(reference: tuple[str, pd.Index], differing: list[tuple[str, pd.Index]]) -> str:
        lines = [f"  {reference[0]}: {_describe_index(reference[1])}"]
        lines += [f"  {name}: {_describe_index(index)}" for name, index in differing]
        return "Outputs have different indexes:\n" + "\n".join(lines) + "\n"

    def input_types(self) -> list[Any]:
        return [Any]

    def output_type(self) -> Any:
        import pandas as pd

        return pd.DataFrame

    @staticmethod
    def pandas_index_types(
        outputs: Mapping[str, Any],
    ) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
        """Hamilton's helper: outputs grouped by index kind — ``(all kinds, time-like kinds,
        no index)``; a kind is ``"<Index class>:::<dtype>"`` and ``"no-index"`` for scalars."""
        return _index_kinds(outputs)

    @staticmethod
    def check_pandas_index_types_match(
        all_index_types: Mapping[str, list[str]], time_indexes: Mapping[str, list[str]],
        no_indexes: Mapping[str, list[str]],
    ) -> bool:
        """Hamilton's helper: ``False`` when the outputs mix index kinds (several indexed kinds,
        several time-like kinds, or nothing indexed at all)."""
        indexed_kinds = len(all_index_types) - len(no_indexes)
        if len(time_indexes) > 1 or (indexed_kinds > 1
                                     and len(all_index_types) > len(time_indexes)):
            return False
        return not (no_indexes and len(no_indexes) == len(all_index_types))

    @staticmethod
    def build_dataframe_with_dataframes(outputs: Mapping[str, Any]) -> pd.DataFrame:
        """Hamilton's helper: the frame of ``outputs`` where DataFrame outputs contribute
        their columns as ``output.column``."""
        import pandas as pd

        columns, indexes = _columns_of(outputs)
        if _differing_indexes(indexes):
            _refuse_repeated_labels(indexes)
        return pd.DataFrame(columns, copy=_copy_needed())


def _index_kinds(
    outputs: Mapping[str, Any],
) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
    import pandas as pd

    every: dict[str, list[str]] = {}
    time_like: dict[str, list[str]] = {}
    none: dict[str, list[str]] = {}
    for name, value in outputs.items():
        if isinstance(value, (pd.Series, pd.DataFrame)):
            index = value.index
            kind = f"{type(index).__name__}:::{index.dtype}"
            if isinstance(index, (pd.DatetimeIndex, pd.TimedeltaIndex, pd.PeriodIndex,
                                  pd.CategoricalIndex)):
                time_like.setdefault(kind, []).append(name)
        elif isinstance(value, pd.Index):
            kind = f"{pd.RangeIndex.__name__}:::int64"
        else:
            kind = "no-index"
            none.setdefault(kind, []).append(name)
        every.setdefault(kind, []).append(name)
    return every, time_like, none


def _refuse_repeated_labels(indexes: list[tuple[str, pd.Index]]) -> None:
    """Aligning outputs on their indexes is ambiguous when an index repeats a label."""
    repeated = [(name, index) for name, index in indexes if not index.is_unique]
    if repeated:
        lines = [
            f"  {name}: {len(index)} rows, repeated labels e.g. "
            f"{list(index[index.duplicated()].unique()[:3])}"
            for name, index in repeated
        ]
        others = [name for name, index in indexes if index.is_unique]
        raise ResultError(
            "Outputs cannot be aligned into one DataFrame: their indexes differ and these repeat "
            "labels, so rows cannot be matched:\n" + "\n".join(lines)
            + (f"\nOther outputs: {', '.join(others)}." if others else "")
            + "\nMake the index unique (reset_index(), or aggregate) or request them with "
            "DictResult."
        )


class StrictIndexTypePandasDataFrameResult(PandasDataFrameResult):
    """:class:`PandasDataFrameResult` that raises :class:`ResultError` when indexes differ."""

    strict = True


class NumpyMatrixResult(ResultMixin):
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

    def input_types(self) -> list[Any]:
        return [Any]

    def output_type(self) -> Any:
        import numpy as np

        return np.ndarray


class HamiltonGraphAdapter(ResultMixin):
    """Hamilton's legacy graph-adapter base: a result builder that also says how inputs are
    type-checked and how a node is called. dataflow calls nodes itself; :meth:`execute_node`
    is kept for code that calls it directly (see the port guide)."""

    @staticmethod
    def check_input_type(node_type: Any, input_value: Any) -> bool:
        from dataflow.type_rules import value_matches

        return value_matches(input_value, node_type)

    @staticmethod
    def check_node_type_equivalence(node_type: Any, input_type: Any) -> bool:
        return bool(node_type == input_type)

    def execute_node(self, node: Any, kwargs: dict[str, Any]) -> Any:
        return node.fn(**kwargs)


class SimplePythonDataFrameGraphAdapter(HamiltonGraphAdapter):
    """Hamilton's original adapter: runs in-process and builds a DataFrame result."""

    def build_result(self, **outputs: Any) -> Any:
        return PandasDataFrameResult().build_result(**outputs)

    def output_type(self) -> Any:
        import pandas as pd

        return pd.DataFrame


class SimplePythonGraphAdapter(SimplePythonDataFrameGraphAdapter):
    """Hamilton's legacy adapter wrapping a result builder (``adapter=`` of ``Driver``); a
    dict result when none is given, as in Hamilton."""

    def __init__(self, result_builder: ResultBuilder | None = None) -> None:
        self.result_builder = result_builder if result_builder is not None else DictResult()

    def build_result(self, **outputs: Any) -> Any:
        return self.result_builder.build_result(**outputs)

    def output_type(self) -> Any:
        return self.result_builder.output_type()


class DefaultAdapter(SimplePythonGraphAdapter):
    """Hamilton's short name for :class:`SimplePythonGraphAdapter`."""
