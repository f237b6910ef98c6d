"""The Spark ``with_columns`` of :mod:`plugins.h_spark` (public there): the loaded functions as
``withColumn`` steps over one PySpark DataFrame, and the failures of the functions that run in
Spark's Python workers, shipped back with their type and dataflow note."""

from __future__ import annotations

import base64
import re
import traceback
import typing
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pyspark import cloudpickle
from pyspark.errors import PythonException
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from dataflow.errors import did_you_mean
from dataflow.execution.failures import add_note, register_failure_unwrapper
from dataflow.function_modifiers.binding import bind_parameters
from dataflow.function_modifiers.dependencies import UpstreamDependency
from dataflow.function_modifiers.metadata import TagInstruction
from dataflow.function_modifiers.pandas_columns import (
    check_usage,
    frame_parameter,
    refuse_passed_and_computed,
    upstream_nodes,
)
from dataflow.function_modifiers.recursive import collect_functions, resolve_subdag_nodes
from dataflow.function_modifiers.targets import NON_FINAL_TAG
from dataflow.htypes import column
from dataflow.instructions import DecoratorUsageError, InjectInstruction, ResolveContext, record
from dataflow.node import DECORATOR_TAG, Dependency, Node, qualified_type_name, type_name
from dataflow.type_rules import strip_annotated

__all__ = ["column", "node_errors", "original_failure", "require_columns", "select",
           "spark_type", "with_columns"]

COLUMNS_TAG = "dataflow.spark.columns"
"""Tag :class:`require_columns` puts on a DataFrame function: the columns it reads."""

# -- Spark types of annotations ------------------------------------------------------------------

_PYTHON_TYPES: dict[Any, Callable[[], T.DataType]] = {
    int: T.LongType, float: T.DoubleType, bool: T.BooleanType, str: T.StringType,
    bytes: T.BinaryType,
}
_NUMPY_TYPES = {
    "int8": T.ByteType, "int16": T.ShortType, "int32": T.IntegerType, "int64": T.LongType,
    "float32": T.FloatType, "float64": T.DoubleType, "bool": T.BooleanType, "bool_": T.BooleanType,
    "str_": T.StringType, "bytes_": T.BinaryType,
}


def spark_type(annotation: Any) -> T.DataType | str:
    """The Spark type of a column's values: Python's ``int``/``float`` are 64-bit (``long``,
    ``double``), numpy types keep their width, ``list[T]`` is an array, a Spark ``DataType`` or a
    DDL string (``"decimal(10,2)"``) is taken as is.

    >>> spark_type(float), spark_type(list[int]), spark_type("double")
    (DoubleType(), ArrayType(LongType(), True), 'double')
    """
    if isinstance(annotation, (str, T.DataType)):
        return annotation
    if annotation in _PYTHON_TYPES:
        return _PYTHON_TYPES[annotation]()
    if typing.get_origin(annotation) is list and len(typing.get_args(annotation)) == 1:
        element = spark_type(typing.get_args(annotation)[0])
        if isinstance(element, T.DataType):
            return T.ArrayType(element)
    if getattr(annotation, "__module__", None) == "numpy" and annotation.__name__ in _NUMPY_TYPES:
        return _NUMPY_TYPES[annotation.__name__]()
    raise TypeError(f"no Spark type for {type_name(annotation)}: use int, float, bool, str, "
                    "bytes, a numpy scalar type, list[...] of those, a pyspark DataType or a "
                    "Spark DDL string such as 'double'.")


def _is(annotation: Any, cls: type) -> bool:
    annotation = strip_annotated(annotation)
    return isinstance(annotation, type) and issubclass(annotation, cls)


# -- failures inside Spark workers ---------------------------------------------------------------

_PAYLOAD = "dataflow-spark-failure:"
_PAYLOAD_RE = re.compile(re.escape(_PAYLOAD) + r"([A-Za-z0-9+/=]+)")
_PAYLOAD_LIMIT = 1 << 20


class ColumnFunctionFailed(Exception):
    """What a Spark worker raises for a failing column function: its message names the column
    node and carries the original exception, which the caller gets back (see module doc)."""


def _shipped_failure(error: Exception, node: str, where: str, kind: str,
                     arguments: dict[str, Any]) -> ColumnFunctionFailed:
    """In the worker: ``error`` with its dataflow note, packed into the exception Spark sends
    back (as text: Spark only forwards the worker's traceback)."""
    types_ = ", ".join(f"{k}: {qualified_type_name(type(v))}" for k, v in arguments.items())
    note = (f"dataflow: while computing column {node!r} in a Spark {kind} with {where}; "
            f"argument types: {types_ or 'none'}")
    frames = traceback.format_exception(type(error), error, error.__traceback__)
    add_note(error, note)
    add_note(error, "dataflow: the worker's traceback:\n" + "".join(frames[1:]).rstrip())
    try:
        blob = base64.b64encode(cloudpickle.dumps(error)).decode()
    except Exception:  # an exception that does not pickle: the text alone travels
        blob = ""
    payload = f"\n{_PAYLOAD}{blob}" if blob and len(blob) < _PAYLOAD_LIMIT else ""
    return ColumnFunctionFailed(f"{type(error).__name__}: {error}\n{note}{payload}")


def original_failure(error: BaseException) -> BaseException | None:
    """The column function's own exception inside Spark's ``PythonException`` (``None`` for any
    other exception)."""
    if not isinstance(error, PythonException):
        return None
    found = _PAYLOAD_RE.search(str(error))
    if found is None:
        return None
    try:
        original = cloudpickle.loads(base64.b64decode(found.group(1)))
    except Exception:
        return None
    return original if isinstance(original, BaseException) else None


register_failure_unwrapper(original_failure)


@contextmanager
def node_errors() -> Iterator[None]:
    """Run Spark actions on with_columns frames in the caller: a failing column function raises
    its own exception (with its dataflow note) instead of Spark's ``PythonException``.

    >>> with node_errors():
    ...     pass  # frame.toPandas()
    """
    try:
        yield
    except PythonException as error:
        original = original_failure(error)
        if original is None:
            raise
        raise original from error


@dataclass(frozen=True)
class _ColumnFunction:
    """The Python function of a UDF (pickled to the workers): calls the user's function with its
    column parameters by name and its bound values, and ships failures back."""

    fn: Callable[..., Any]
    names: tuple[str, ...]
    bound: tuple[tuple[str, Any], ...]
    node: str
    where: str
    kind: str

    def __call__(self, *columns: Any) -> Any:
        arguments = {**dict(zip(self.names, columns)), **dict(self.bound)}
        try:
            return self.fn(**arguments)
        except Exception as error:
            raise _shipped_failure(error, self.node, self.where, self.kind, arguments) from None


def _unannotated(call: _ColumnFunction) -> Callable[..., Any]:
    """``call`` as a function without annotations: Spark reads a UDF's kind from its type hints,
    and a pandas UDF without hints is the scalar (Series to Series) kind."""
    def column_function(*columns):  # type: ignore[no-untyped-def]
        return call(*columns)

    return column_function


# -- the steps of a with_columns group -------------------------------------------------------

PANDAS_UDF, COLUMNS, FRAME, ROW_UDF = "pandas UDF", "column expression", "frame function", "UDF"


@dataclass(frozen=True)
class _Step:
    """Node callable: the frame so far (``kwargs[frame_in]``) with one function applied."""

    kind: str
    fn: Callable[..., Any]
    node: str
    column: str
    where: str
    frame_in: str
    columns: tuple[str, ...]
    """the function's column parameters (also the names of the columns read)"""
    bound: tuple[str, ...]
    """the function's other parameters, bound by value"""
    frame_parameter: str | None = None
    return_type: Any = None
    required: tuple[str, ...] = ()
    """columns the frame must have (columns_to_pass; checked on the first step)"""

    def __call__(self, **kwargs: Any) -> DataFrame:
        frame: DataFrame = kwargs[self.frame_in]
        if self.required:
            _check_columns(frame, self.required, self.node)
        bound = {name: kwargs[name] for name in self.bound if name in kwargs}
        if self.kind == FRAME:
            assert self.frame_parameter is not None
            out = self.fn(**{self.frame_parameter: frame}, **bound)
            if isinstance(out, DataFrame):
                return out
        elif self.kind == COLUMNS:
            out = self.fn(**{name: F.col(name) for name in self.columns}, **bound)
        else:
            call = _ColumnFunction(self.fn, self.columns, tuple(bound.items()), self.node,
                                   self.where, self.kind)
            make = F.pandas_udf if self.kind == PANDAS_UDF else F.udf
            out = make(_unannotated(call), self.return_type)(  # type: ignore[call-overload]
                *[F.col(c) for c in self.columns])
        if not isinstance(out, Column):
            raise TypeError(f"with_columns: {self.where} returned {qualified_type_name(type(out))}"
                            f"; a {self.kind} returns a pyspark Column"
                            f"{' or DataFrame' if self.kind == FRAME else ''}.")
        return frame.withColumn(self.column, out)


def _check_columns(frame: DataFrame, wanted: Sequence[str], node: str) -> None:
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise KeyError(f"with_columns ({node}): columns {missing} (from columns_to_pass) are not "
                       f"in the DataFrame, whose columns are {frame.columns}."
                       f"{did_you_mean(missing[0], frame.columns)}")


@dataclass(frozen=True)
class _Finish:
    """Node callable: ``select`` mode keeps only the selected columns; ``append`` mode with a
    ``select`` drops the computed columns that were not selected (never the frame's own)."""

    last: str
    frame: str
    keep: tuple[str, ...]
    computed: tuple[str, ...]
    mode: str

    def __call__(self, **kwargs: Any) -> DataFrame:
        out: DataFrame = kwargs[self.last]
        if self.mode == "select":
            return out.select(*self.keep)
        original = set(kwargs[self.frame].columns)
        drop = [c for c in self.computed if c not in self.keep and c not in original]
        return out.drop(*drop) if drop else out


def _ordered(nodes: Sequence[Node]) -> list[Node]:
    """``nodes`` in dependency order, keeping the given order where dependencies allow."""
    names = {n.name for n in nodes}
    done: set[str] = set()
    out: list[Node] = []
    pending = list(nodes)
    while pending:
        ready = [n for n in pending
                 if all(d.name in done or d.name not in names or d.name == n.name
                        for d in n.dependencies)]
        if not ready:
            raise ValueError(f"with_columns: a cycle among {[n.name for n in pending]}")
        first = ready[0]
        out.append(first)
        done.add(first.name)
        pending.remove(first)
    return out


class SparkWithColumnsInstruction(InjectInstruction):
    decorator_name = "with_columns"

    def __init__(self, load_from: tuple[Any, ...], columns_to_pass: tuple[str, ...] | None,
                 pass_dataframe_as: str | None, on_input: str | None,
                 select: tuple[str, ...] | None, namespace: str | None, mode: str,
                 config_required: Sequence[str] | None) -> None:
        self.load_from = load_from
        self.columns_to_pass = columns_to_pass
        self.pass_dataframe_as = pass_dataframe_as
        self.on_input = on_input
        self.select = select
        self.namespace = namespace
        self.mode = mode
        self.config_required = tuple(config_required or ())

    def required_config(self) -> Sequence[str]:
        return self.config_required

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        frame, frame_type = frame_parameter(self, context, self.on_input, DataFrame,
                                            "pyspark DataFrame")
        namespace = self.namespace or context.name
        inner = resolve_subdag_nodes(self.load_from, context.config)
        inner_names = {n.name for n in inner}
        passed = set(self.columns_to_pass or ())
        refuse_passed_and_computed(self, context, inner_names, passed)
        if self.select is not None:
            missing = [s for s in self.select if s not in inner_names]
            if missing:
                raise context.error(
                    self, f"select names {missing}, which no loaded function defines."
                    f"{did_you_mean(missing[0], inner_names)} Loaded: "
                    f"{', '.join(sorted(inner_names))}.")
            inner = upstream_nodes(inner, self.select)
        steps: list[Node] = []
        previous = frame
        for index, node in enumerate(_ordered(inner)):
            step = self._step(context, node, namespace, frame, frame_type, previous,
                              inner_names, passed, first=index == 0)
            steps.append(step)
            previous = step.name
        if not steps:
            raise context.error(self, "no loaded function to apply.")
        computed = tuple(n.name for n in inner)
        if self.mode == "select" or self.select is not None:
            keep = self.select if self.select is not None else computed
            finish = Node(
                f"{namespace}._select", DataFrame, _Finish(previous, frame, keep, computed,
                                                           self.mode),
                (Dependency(previous, DataFrame), Dependency(frame, frame_type)),
                tags={DECORATOR_TAG: self.decorator_name}, origin=context.origin,
                doc=f"{frame} with columns {', '.join(keep)}",
                originating_functions=(context.fn,))
            steps.append(finish)
            previous = finish.name
        rewired = [bind_parameters(n, {frame: UpstreamDependency(previous)}, context.config)
                   if any(d.name == frame for d in n.dependencies) else n for n in nodes]
        return [*steps, *rewired]

    def _step(self, context: ResolveContext, node: Node, namespace: str, frame: str,
              frame_type: Any, previous: str, inner_names: set[str], passed: set[str],
              first: bool) -> Node:
        """The node of one loaded function: the frame so far with its column added."""
        def fail(message: str) -> Exception:
            return context.error(self, f"loaded function {node.where()}: {message}")

        def is_column(name: str) -> bool:
            return name in inner_names or name in passed

        frames = [d for d in node.dependencies if _is(d.type, DataFrame)]
        result = strip_annotated(node.type)
        frame_parameter = None
        return_type = None
        if frames:
            kind = FRAME
            if len(frames) > 1:
                raise fail(f"it takes several DataFrames ({[d.name for d in frames]}); a "
                           "function over the frame takes exactly one.")
            frame_parameter = frames[0].name
            columns: tuple[str, ...] = ()
            read = tuple(node.tags.get(COLUMNS_TAG, (frame_parameter,)))
            bound = tuple(d.name for d in node.dependencies if d.name != frame_parameter)
        else:
            if _is(result, Column):
                kind, marker = COLUMNS, Column
            elif _is(result, pd.Series):
                kind, marker = PANDAS_UDF, pd.Series
            else:
                kind, marker = ROW_UDF, None
            if marker is None:
                columns = tuple(d.name for d in node.dependencies if is_column(d.name))
            else:
                columns = tuple(d.name for d in node.dependencies if _is(d.type, marker))
            bound = tuple(d.name for d in node.dependencies if d.name not in columns)
            read = columns
            for name in columns:
                if not is_column(name) and self.pass_dataframe_as is None:
                    raise fail(f"parameter {name!r} is a column, but neither passed "
                               "(columns_to_pass) nor computed by a loaded function."
                               f"{did_you_mean(name, inner_names | passed)}")
            if kind == PANDAS_UDF:
                metadata = getattr(node.type, "__metadata__", ())
                if not metadata:
                    raise fail("a pandas UDF declares the type of its values: annotate the "
                               "return column[pd.Series, float] (or int, str, 'double', ...).")
                return_type = metadata[0]
            elif kind == ROW_UDF:
                return_type = result
            if return_type is not None:
                try:
                    return_type = spark_type(return_type)
                except TypeError as error:
                    raise fail(str(error)) from None
        # Dependencies: the frame so far, then for lineage the columns it reads (computed in
        # the group: their steps; passed: the input frame), then what is bound by value.
        deps: dict[str, Dependency] = {previous: Dependency(previous, DataFrame)}
        for name in read:
            if name in inner_names:
                deps.setdefault(f"{namespace}.{name}", Dependency(f"{namespace}.{name}",
                                                                  DataFrame))
            elif name in passed or self.pass_dataframe_as is not None:
                deps.setdefault(frame, Dependency(frame, frame_type))
        inner_bound = {d.name: d for d in node.dependencies if d.name in bound}
        for name in bound:
            if name in inner_names:
                raise fail(f"parameter {name!r} is computed in this group, so it is a column; "
                           "annotate it pd.Series (pandas UDF) or Column, or make it a scalar "
                           "UDF's column by giving the function scalar types.")
            deps.setdefault(name, inner_bound[name])
        name = f"{namespace}.{node.name}"
        assert node.fn is not None  # a loaded function's node
        step = _Step(kind, node.fn, name, node.name, node.where(), previous, columns, bound,
                     frame_parameter, return_type,
                     tuple(self.columns_to_pass or ()) if first else ())
        return node.with_changes(
            name=name, type=DataFrame, fn=step, dependencies=tuple(deps.values()),
            tags={**node.tags, DECORATOR_TAG: self.decorator_name, NON_FINAL_TAG: True})


class with_columns:
    """Compute columns of a PySpark DataFrame with the functions of ``load_from`` (see the
    module docstring for the four kinds of function) and hand the decorated function the frame
    with them added.

    * ``columns_to_pass``: the frame's columns that functions read by parameter name, or
    * ``pass_dataframe_as``: the name under which functions see the frame (then any column of
      the frame can be read by a ``pd.Series`` / ``Column`` parameter of its name).
    * ``select``: the columns to add (only what they need runs); default: every function.
    * ``mode``: ``"append"`` (the frame's columns and the new ones) or ``"select"`` (only the
      selected ones; see :class:`select`).
    * ``on_input``: the frame parameter (default: the first); ``namespace`` (default: the
      function's name) prefixes the generated nodes.

    >>> def doubled(spend: pd.Series) -> column[pd.Series, float]:
    ...     return spend * 2
    >>> @with_columns(doubled, columns_to_pass=["spend"])
    ... def final(raw: DataFrame) -> DataFrame:
    ...     return raw
    """

    decorator_name = "with_columns"

    def __init__(self, *load_from: Any, columns_to_pass: Collection[str] | None = None,
                 pass_dataframe_as: str | None = None, on_input: str | None = None,
                 select: Collection[str] | None = None, namespace: str | None = None,
                 mode: str = "append", config_required: Sequence[str] | None = None) -> None:
        self.load_from = collect_functions(load_from, self.decorator_name)
        check_usage(self.decorator_name, columns_to_pass, pass_dataframe_as, select)
        if mode not in ("append", "select"):
            raise DecoratorUsageError(f"@{self.decorator_name}: mode is 'append' or 'select', "
                                      f"not {mode!r}.")
        self.instruction = SparkWithColumnsInstruction(
            self.load_from, tuple(columns_to_pass) if columns_to_pass is not None else None,
            pass_dataframe_as, on_input, tuple(select) if select is not None else None,
            namespace, mode, config_required)

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise DecoratorUsageError(f"@{self.decorator_name} decorates functions; got {fn!r}")
        return record(fn, self.instruction)


class select(with_columns):
    """:class:`with_columns` in ``select`` mode: the decorated function gets only the columns
    ``output_cols`` (default: every computed column), as Hamilton's ``h_spark.select``."""

    decorator_name = "select"

    def __init__(self, *load_from: Any, columns_to_pass: Collection[str] | None = None,
                 pass_dataframe_as: str | None = None, output_cols: Collection[str] | None = None,
                 namespace: str | None = None,
                 config_required: Sequence[str] | None = None) -> None:
        super().__init__(*load_from, columns_to_pass=columns_to_pass,
                         pass_dataframe_as=pass_dataframe_as, select=output_cols,
                         namespace=namespace, mode="select", config_required=config_required)


class require_columns:
    """Name the columns a function over the DataFrame reads (for lineage and for ``select``
    pruning), inside :class:`with_columns`: the function receives the frame built so far.

    >>> @require_columns("spend", "signups")
    ... def spend_per_signup(df: DataFrame) -> Column:
    ...     return df["spend"] / df["signups"]
    """

    def __init__(self, *columns: str) -> None:
        if not columns or not all(isinstance(c, str) for c in columns):
            raise DecoratorUsageError("@require_columns takes column names: "
                                      "@require_columns('a', 'b').")
        self.columns = columns

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return record(fn, TagInstruction({COLUMNS_TAG: self.columns}, None, "require_columns"))
