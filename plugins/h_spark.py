"""Spark integration (Hamilton's ``hamilton.plugins.h_spark``; install ``dataflow[spark]``).

* :class:`with_columns` (and :class:`select`) for PySpark DataFrames: the loaded functions
  compute columns and are applied, in dependency order, as ``withColumn`` steps on one
  DataFrame, so a DAG of column functions becomes one Spark plan, not an extract-and-join.
  A function may be written four ways, mixed freely in one group:

  - over pandas (a pandas UDF): ``pd.Series`` parameters, returns ``column[pd.Series, T]``
    (``T`` a Python, numpy or Spark type, or a Spark DDL string such as ``"double"``);
  - over Spark columns: ``Column`` parameters (``F.col(name)`` of each), returns ``Column``;
  - over the DataFrame (Hamilton's form): one ``DataFrame`` parameter that receives the frame
    being built, returns a ``Column`` (added under the function's name) or a ``DataFrame``;
    the columns it reads are the parameter's name, or those of :class:`require_columns`;
  - row by row (a plain UDF): scalar parameters and a scalar return type.

  Parameters that are not columns (config, inputs, other nodes' scalars) are bound by value.
* :class:`SparkKoalasGraphAdapter` runs a graph written for pandas on pandas-on-Spark values
  (``pyspark.pandas``), with :class:`KoalasDataFrameResult` to get the pandas-on-Spark frame.

A failing column function runs inside a Spark worker and fails when an action runs; its
exception keeps its type and gains a note naming the column node and the function's
file:line, when the action runs inside a dataflow node (the run unwraps Spark's
``PythonException``), or inside :func:`node_errors` in the caller's code.

``pyspark.pandas`` is imported only by the adapter (it does not import with pandas 3.x).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pyspark.sql import DataFrame, SparkSession

from dataflow.base import DictResult, HamiltonGraphAdapter, PandasDataFrameResult, ResultMixin
from dataflow.lifecycle.api import EdgeConnectionHook
from dataflow.type_rules import edge_accepts, strip_annotated, value_matches

from ._spark_columns import (
    _is,
    column,
    node_errors,
    original_failure,
    require_columns,
    select,
    spark_type,
    with_columns,
)

__all__ = [
    "SPARK_INPUT_CHECK", "KoalasDataFrameResult", "SparkInputValidator",
    "SparkKoalasGraphAdapter", "column", "node_errors", "original_failure", "require_columns",
    "select", "spark_type", "with_columns",
]


# -- pandas on Spark -----------------------------------------------------------------------------

def _pandas_on_spark() -> Any:
    """``pyspark.pandas``, or an ImportError that says what to do (it does not import with
    pandas 3.x up to pyspark 4.3)."""
    try:
        import pyspark.pandas as ps
    except ImportError as error:
        raise ImportError(
            f"pandas on Spark (pyspark.pandas) does not import here (pandas {pd.__version__}): "
            f"{error}. SparkKoalasGraphAdapter and KoalasDataFrameResult need a pandas that "
            "pyspark.pandas supports (2.x); h_spark.with_columns works with either.") from error
    return ps


class KoalasDataFrameResult(ResultMixin):
    """The outputs as one pandas-on-Spark DataFrame (Series become columns, scalars are
    broadcast); use it as :class:`SparkKoalasGraphAdapter`'s ``result_builder``."""

    @staticmethod
    def build_result(**outputs: Any) -> Any:
        ps = _pandas_on_spark()
        spine = next((v for v in outputs.values() if isinstance(v, ps.Series)), None)
        if spine is None:
            return ps.DataFrame({k: [v] for k, v in outputs.items()})
        return _assemble(ps, spine, outputs)

    def output_type(self) -> Any:
        return _pandas_on_spark().DataFrame


def _assemble(ps: Any, spine: Any, outputs: dict[str, Any]) -> Any:
    """A pandas-on-Spark frame on ``spine``'s index with every output as a column."""
    with ps.option_context("compute.ops_on_diff_frames", True):
        frame = spine.to_frame(name="__spine__") if isinstance(spine, ps.Series) else spine
        frame = frame.copy()
        for name, value in outputs.items():
            frame[name] = value
        return frame.drop(columns="__spine__") if "__spine__" in frame.columns else frame


class SparkKoalasGraphAdapter(HamiltonGraphAdapter):
    """Run a graph written for pandas on pandas-on-Spark values: pass ``pyspark.pandas``
    DataFrames / Series as inputs; nodes run in the caller and build Spark plans; Spark runs
    them when the result is built.

    :param spark_session: the session the values live in.
    :param result_builder: ``PandasDataFrameResult()`` (collected to pandas),
        :class:`KoalasDataFrameResult` (a pandas-on-Spark frame) or ``DictResult()``.
    :param spine_column: the output whose index the result frame is built on.
    """

    def __init__(self, spark_session: SparkSession, result_builder: ResultMixin,
                 spine_column: str) -> None:
        if not isinstance(result_builder, (PandasDataFrameResult, KoalasDataFrameResult,
                                           DictResult)):
            raise ValueError("SparkKoalasGraphAdapter builds a pandas DataFrame "
                             "(PandasDataFrameResult), a pandas-on-Spark DataFrame "
                             "(KoalasDataFrameResult) or a dict (DictResult); got "
                             f"{type(result_builder).__name__}.")
        _pandas_on_spark()  # refused here, not in the middle of a run
        self.spark_session = spark_session
        self.result_builder = result_builder
        self.spine_column = spine_column

    @staticmethod
    def check_input_type(node_type: Any, input_value: Any) -> bool:
        """A pandas-on-Spark Series or DataFrame stands for its pandas counterpart."""
        ps = _pandas_on_spark()
        if _is(node_type, pd.Series) and isinstance(input_value, (ps.Series, ps.DataFrame)):
            return True
        if _is(node_type, pd.DataFrame) and isinstance(input_value, ps.DataFrame):
            return True
        return value_matches(input_value, node_type)

    @staticmethod
    def check_node_type_equivalence(node_type: Any, input_type: Any) -> bool:
        ps = _pandas_on_spark()
        pairs = {(ps.Series, pd.Series), (pd.Series, ps.Series), (ps.DataFrame, pd.DataFrame),
                 (pd.DataFrame, ps.DataFrame)}
        return (strip_annotated(node_type), strip_annotated(input_type)) in pairs or bool(
            node_type == input_type)

    def validate_input(self, node_type: Any, input_value: Any, **kwargs: Any) -> bool:
        return self.check_input_type(node_type, input_value)

    def check_edge_types_match(self, type_from: Any, type_to: Any, **kwargs: Any) -> bool:
        return (self.check_node_type_equivalence(type_from, type_to)
                or edge_accepts(type_from, type_to))

    def build_result(self, **outputs: Any) -> Any:
        if isinstance(self.result_builder, DictResult):
            return self.result_builder.build_result(**outputs)
        if self.spine_column not in outputs:
            raise ValueError(f"spine_column {self.spine_column!r} is not among the requested "
                             f"outputs {sorted(outputs)}; request it too.")
        ps = _pandas_on_spark()
        frame = _assemble(ps, outputs[self.spine_column], outputs)
        if isinstance(self.result_builder, PandasDataFrameResult):
            return frame.to_pandas()
        return frame

    def output_type(self) -> Any:
        if isinstance(self.result_builder, PandasDataFrameResult):
            return pd.DataFrame
        return Any


class SparkInputValidator(EdgeConnectionHook):
    """An adapter that accepts Spark Connect and classic DataFrames / sessions for one another in
    input checks (``Builder().with_adapters(SPARK_INPUT_CHECK)``), as Hamilton's."""

    def check_edge_types_match(self, type_from: Any, type_to: Any, **kwargs: Any) -> bool:
        return False  # edges: the built-in rule alone

    def validate_input(self, node_type: Any, input_value: Any, **kwargs: Any) -> bool:
        return self.do_validate_input(node_type=node_type, input_value=input_value)

    def do_validate_input(self, *, node_type: Any, input_value: Any) -> bool:
        frames: tuple[type, ...] = (DataFrame,)
        sessions: tuple[type, ...] = (SparkSession,)
        try:
            from pyspark.sql.connect.dataframe import DataFrame as ConnectFrame
            from pyspark.sql.connect.session import SparkSession as ConnectSession

            frames, sessions = (DataFrame, ConnectFrame), (SparkSession, ConnectSession)
        except ImportError:  # no Spark Connect installed: classic objects only
            pass
        for kinds in (frames, sessions):
            if isinstance(input_value, kinds) and any(_is(node_type, k) for k in kinds):
                return True
        return value_matches(input_value, node_type)


SPARK_INPUT_CHECK = SparkInputValidator()
