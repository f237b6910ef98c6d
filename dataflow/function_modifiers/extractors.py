"""Split one output into many nodes: ``@extract_columns`` (DataFrame → Series per column),
``@extract_fields`` (dict / TypedDict → a node per key) and ``@unpack_fields`` (tuple → a node
per position).

The decorated function's own node stays in the graph under its name; each extracted node
depends on it and is computed by a small picklable getter (:class:`ColumnGetter`,
:class:`FieldGetter`, :class:`ItemGetter`).

>>> import pandas as pd
>>> @extract_columns("spend", "signups")
... def raw() -> pd.DataFrame:
...     return pd.DataFrame({"spend": [1.0], "signups": [2]})
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dataflow.errors import DataflowError
from dataflow.instructions import (
    DecoratorUsageError,
    ExpandInstruction,
    Instruction,
    ResolveContext,
    record,
)
from dataflow.node import DECORATOR_TAG, Dependency, Node, type_name

__all__ = ["extract_columns", "extract_fields", "unpack_fields"]


class ExtractionError(DataflowError, LookupError):
    """At run time, a column / field / position an extracting decorator promised is missing."""


@dataclass(frozen=True, slots=True)
class ColumnGetter:
    """``frame[column]`` of the node named ``frame``; ``fill`` (a 1-tuple) fills a missing
    column, else a missing column raises :class:`ExtractionError` listing the columns."""

    frame: str
    column: str
    fill: tuple[Any, ...] = ()

    def __call__(self, **kwargs: Any) -> Any:
        df = kwargs[self.frame]
        if type(df).__name__ == "LazyFrame":  # polars: the column as an expression, as Hamilton
            return _lazy_column(df, self)
        if self.column in df.columns:
            return df[self.column]
        if self.fill:
            library = type(df).__module__.split(".")[0]
            if library == "dask":  # lazy: the filled column is one more expression
                return df.assign(**{self.column: self.fill[0]})[self.column]
            if library == "polars":
                import polars  # type: ignore[import-not-found]

                return polars.repeat(self.fill[0], df.height, eager=True).alias(self.column)
            import pandas as pd

            return pd.Series(self.fill[0], index=df.index, name=self.column)
        available = ", ".join(map(repr, list(df.columns)[:50]))
        raise ExtractionError(
            f"@extract_columns: node {self.column!r} needs column {self.column!r} of the frame "
            f"returned by {self.frame!r}, which has no such column. Its columns are: "
            f"{available or '(none)'}. Return the column, or pass fill_with= to "
            "@extract_columns to fill missing columns.")


def _lazy_column(frame: Any, getter: ColumnGetter) -> Any:
    import polars

    names = frame.collect_schema().names()  # the schema only; no data is computed
    if getter.column in names:
        return polars.col(getter.column)
    if getter.fill:
        return polars.lit(getter.fill[0]).alias(getter.column)
    raise ExtractionError(
        f"@extract_columns: node {getter.column!r} needs column {getter.column!r} of the "
        f"LazyFrame returned by {getter.frame!r}, which has no such column. Its columns are: "
        f"{', '.join(map(repr, names[:50])) or '(none)'}.")


@dataclass(frozen=True, slots=True)
class FieldGetter:
    """``mapping[key]`` of the node named ``source``."""

    source: str
    key: str

    def __call__(self, **kwargs: Any) -> Any:
        mapping = kwargs[self.source]
        try:
            return mapping[self.key]
        except (KeyError, TypeError):
            keys = list(mapping) if isinstance(mapping, Mapping) else type(mapping).__name__
            raise ExtractionError(
                f"@extract_fields: node {self.key!r} needs key {self.key!r} of the dict returned "
                f"by {self.source!r}, which has only {keys!r}. Return every declared field."
            ) from None


@dataclass(frozen=True, slots=True)
class ItemGetter:
    """``sequence[index]`` of the node named ``source``."""

    source: str
    index: int
    name: str

    def __call__(self, **kwargs: Any) -> Any:
        values = kwargs[self.source]
        try:
            return values[self.index]
        except (IndexError, TypeError):
            size = len(values) if hasattr(values, "__len__") else "?"
            raise ExtractionError(
                f"@unpack_fields: node {self.name!r} is item {self.index} of the tuple returned "
                f"by {self.source!r}, which has {size} item(s). Return one item per field."
            ) from None


def generated(base: Node, decorator: str, name: str, type_: Any, fn: Callable[..., Any],
              doc: str) -> Node:
    """A node derived from ``base`` (same origin, function, module tag) that reads ``base``."""
    return base.with_changes(
        name=name, type=type_, fn=fn, doc=doc, is_async=False,
        dependencies=(Dependency(base.name, base.type),),
        tags={**base.tags, DECORATOR_TAG: decorator},
    )


def column_nodes(decorator: str, frame: Node, columns: Sequence[tuple[str, str]],
                 fill: tuple[Any, ...] | None, column_type: Any) -> list[Node]:
    return [
        generated(frame, decorator, column, column_type,
                  ColumnGetter(frame.name, column, fill or ()),
                  doc or f"Column {column!r} of {frame.name}.")
        for column, doc in columns
    ]


def frame_column_type(annotation: Any) -> Any:
    """The column type of a DataFrame annotation (``pd.Series`` for pandas, ``polars.Series``
    for polars, ``polars.Expr`` for a polars ``LazyFrame``, ``dask.dataframe.Series`` for dask,
    ``Any`` for another library's ``DataFrame``), or ``None`` when ``annotation`` is not a
    DataFrame type."""
    origin = typing.get_origin(annotation) or annotation
    mro = getattr(origin, "__mro__", ())
    if any(c.__name__ == "LazyFrame" and c.__module__.startswith("polars") for c in mro):
        import polars  # type: ignore[import-not-found]

        return polars.Expr  # a column of a LazyFrame is the expression pl.col(name)
    frames = [c for c in mro if c.__name__ == "DataFrame"]
    if not frames:
        return None
    modules = [c.__module__.split(".")[0] for c in frames]
    # pandas' / polars' own class first: pandera's DataFrame[Schema] subclasses them
    module = next((m for m in modules if m in ("pandas", "polars", "dask")), modules[0])
    if module == "pandas":
        import pandas as pd

        return pd.Series
    if module == "polars":
        import polars  # type: ignore[import-not-found]

        return polars.Series
    if module == "dask":
        import dask.dataframe as dd

        return dd.Series
    return Any


def require_frame_return(instruction: Instruction, context: ResolveContext, node: Node) -> Any:
    """The column type of ``node``'s DataFrame type, or a build error if it is not one."""
    column_type = frame_column_type(node.type)
    if column_type is None:
        raise context.error(instruction, f"node {node.name!r} is annotated to return "
                                         f"{type_name(node.type)}, not a DataFrame, so there "
                                         "are no columns to extract. Annotate it "
                                         "`-> pd.DataFrame` (and return one).")
    return column_type


def _single(instruction: Instruction, context: ResolveContext, nodes: list[Node]) -> Node:
    if len(nodes) != 1:
        names = ", ".join(n.name for n in nodes)
        raise context.error(instruction, f"would extract the same names from each of "
                                         f"{len(nodes)} nodes ({names}), so they would collide. "
                                         "Use @parameterize_extract_columns (or one "
                                         "parameterization).")
    return nodes[0]


def check_node_name(decorator: str, name: Any) -> str:
    """``name`` if it can name a node: any non-empty string ("Tax Rate" and "2023" too, as in
    Hamilton; such nodes are requested by name and fed with ``source("Tax Rate")``)."""
    if not isinstance(name, str) or not name:
        raise DecoratorUsageError(
            f"@{decorator}: {name!r} is not a valid node name (use a "
            "non-empty string).")
    return name


def _check_unique(decorator: str, names: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in names:
        check_node_name(decorator, name)
        if name in seen:
            raise DecoratorUsageError(
                f"@{decorator}: {name!r} is listed twice; names must be unique.")
        seen.add(name)


class ExtractColumnsInstruction(ExpandInstruction):
    decorator_name = "extract_columns"

    def __init__(self, columns: tuple[tuple[str, str], ...], fill: tuple[Any, ...] | None) -> None:
        self.columns = columns
        self.fill = fill

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        frame = _single(self, context, nodes)
        column_type = require_frame_return(self, context, frame)
        if any(column == frame.name for column, _ in self.columns):
            raise context.error(self, f"column {frame.name!r} has the name of the function's "
                                      "own node; rename the function or the column.")
        return [frame, *column_nodes(self.decorator_name, frame, self.columns, self.fill,
                                     column_type)]


class extract_columns:
    """One ``pd.Series`` node per column of the DataFrame the function returns.

    ``columns`` are names or ``(name, doc)`` pairs. A column missing at run time is an error
    naming the node and the frame's columns, unless ``fill_with`` is given (not ``None``):
    then the column is a Series of that value on the frame's index (as in Hamilton, ``None``
    means "no filling").
    """

    def __init__(self, *columns: str | tuple[str, str], fill_with: Any = None) -> None:
        if not columns:
            raise DecoratorUsageError(
                "@extract_columns needs at least one column name, e.g. "
                "@extract_columns('spend', 'signups')")
        if len(columns) == 1 and isinstance(columns[0], list):
            raise DecoratorUsageError(
                f"@extract_columns takes column names as separate arguments; got a "
                f"{type(columns[0]).__name__}. Unpack it: @extract_columns(*cols)")
        pairs = []
        for column in columns:
            if isinstance(column, tuple) and len(column) == 2:
                pairs.append((column[0], column[1]))
            else:
                pairs.append((column, ""))  # type: ignore[arg-type]
        _check_unique("extract_columns", [p[0] for p in pairs])
        self.columns = tuple(pairs)
        self.fill = None if fill_with is None else (fill_with,)

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise DecoratorUsageError(
                f"@extract_columns decorates a function; got {fn!r}")
        return record(fn, ExtractColumnsInstruction(self.columns, self.fill))


def _is_typed_dict(annotation: Any) -> bool:
    return isinstance(annotation, type) and typing.is_typeddict(annotation)


class ExtractFieldsInstruction(ExpandInstruction):
    decorator_name = "extract_fields"

    def __init__(self, fields: tuple[tuple[str, Any], ...] | tuple[str, ...] | None) -> None:
        self.fields = fields

    def _field_types(self, context: ResolveContext, node: Node) -> list[tuple[str, Any]]:
        annotation = node.type
        origin = typing.get_origin(annotation) or annotation
        if _is_typed_dict(annotation):
            declared = typing.get_type_hints(annotation)
            if self.fields is None:
                return list(declared.items())
        elif origin in (dict, Mapping) or (isinstance(origin, type) and issubclass(origin, dict)):
            declared = {}
        else:
            raise context.error(self, f"node {node.name!r} returns {type_name(annotation)}; "
                                      "@extract_fields needs a dict or TypedDict return "
                                      "annotation.")
        if self.fields is None:
            raise context.error(self, "no fields given. Pass {name: type} (or a list of names), "
                                      "or annotate the return with a TypedDict.")
        value_type = (typing.get_args(annotation) or (Any, Any))[-1]
        result = []
        for item in self.fields:
            if isinstance(item, tuple):
                result.append(item)
            else:
                result.append((item, declared.get(item, value_type)))
        if declared:
            unknown = [n for n, _ in result if n not in declared]
            if unknown:
                raise context.error(self, f"field(s) {unknown} are not keys of "
                                          f"{type_name(annotation)} ({list(declared)}).")
        return result

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        node = _single(self, context, nodes)
        fields = self._field_types(context, node)
        if any(name == node.name for name, _ in fields):
            raise context.error(self, f"field {node.name!r} has the name of the function's own "
                                      "node; rename one of them.")
        return [node, *(generated(node, self.decorator_name, name, type_,
                                  FieldGetter(node.name, name), f"Field {name!r} of {node.name}.")
                        for name, type_ in fields)]


class extract_fields:
    """One node per key of the dict the function returns.

    ``fields`` is ``{name: type}`` (or a list of names, typed from ``dict[str, T]``); leave it
    out when the return annotation is a ``TypedDict`` to extract all of its keys.
    """

    def __init__(self, fields: Mapping[str, Any] | Sequence[str] | None = None) -> None:
        checked: tuple[tuple[str, Any], ...] | tuple[str, ...] | None
        if fields is None:
            checked = None
        elif isinstance(fields, Mapping):
            if not fields:
                raise DecoratorUsageError(
                    "@extract_fields: fields must not be empty")
            for name, type_ in fields.items():
                if not (isinstance(type_, type) or typing.get_origin(type_) is not None
                        or type_ is Any):
                    raise DecoratorUsageError(
                        f"@extract_fields: field {name!r} must map to a type; got "
                        f"{type_!r}")
            checked = tuple(fields.items())
        elif isinstance(fields, (list, tuple)) and fields:
            checked = tuple(fields)
        else:
            raise DecoratorUsageError(
                f"@extract_fields takes {{name: type}} or a list of names; got "
                f"{fields!r}")
        if checked is not None:
            _check_unique("extract_fields", [f if isinstance(f, str) else f[0] for f in checked])
        self.fields = checked

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise DecoratorUsageError(
                f"@extract_fields decorates a function; got {fn!r}")
        return record(fn, ExtractFieldsInstruction(self.fields))


class UnpackFieldsInstruction(ExpandInstruction):
    decorator_name = "unpack_fields"

    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        node = _single(self, context, nodes)
        annotation = node.type
        if typing.get_origin(annotation) is not tuple:
            raise context.error(self, f"node {node.name!r} returns {type_name(annotation)}; "
                                      "@unpack_fields needs a tuple return annotation such as "
                                      "`-> tuple[int, str]` or `-> tuple[float, ...]`.")
        args = typing.get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis:
            types_ = [args[0]] * len(self.fields)
        elif len(args) != len(self.fields):
            raise context.error(self, f"{len(self.fields)} field(s) {list(self.fields)} but the "
                                      f"return annotation {type_name(annotation)} has "
                                      f"{len(args)} item(s); give one name per item.")
        else:
            types_ = list(args)
        return [node, *(generated(node, self.decorator_name, name, type_,
                                  ItemGetter(node.name, index, name),
                                  f"Item {index} ({name}) of {node.name}.")
                        for index, (name, type_) in enumerate(zip(self.fields, types_)))]


class unpack_fields:
    """One node per item of the tuple the function returns: ``@unpack_fields("a", "b")`` on
    ``-> tuple[int, str]``, or any number of names on ``-> tuple[T, ...]``."""

    def __init__(self, *fields: str) -> None:
        if not fields:
            raise DecoratorUsageError(
                "@unpack_fields needs at least one field name")
        _check_unique("unpack_fields", fields)
        self.fields = tuple(fields)

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise DecoratorUsageError(
                f"@unpack_fields decorates a function; got {fn!r}")
        return record(fn, UnpackFieldsInstruction(self.fields))
