"""``@with_columns`` (pandas): append columns computed by a module to a DataFrame parameter.

Public import paths: ``dataflow.plugins.h_pandas.with_columns`` (as in Hamilton) and
``dataflow.function_modifiers.with_columns``. The code lives here, inside the package, so that
importing the plugin does not import ``function_modifiers`` in a cycle.

>>> import pandas as pd
>>> def ratio(spend: pd.Series, signups: pd.Series) -> pd.Series:
...     return spend / signups
>>> @with_columns(ratio, columns_to_pass=["spend", "signups"])
... def enriched(raw: pd.DataFrame) -> pd.DataFrame:
...     return raw
"""

from __future__ import annotations

import types
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dataflow.errors import did_you_mean
from dataflow.function_modifiers.binding import bind_parameters
from dataflow.function_modifiers.dependencies import UpstreamDependency
from dataflow.function_modifiers.recursive import (
    RenamedCall,
    collect_functions,
    namespace_nodes,
    resolve_subdag_nodes,
)
from dataflow.instructions import DecoratorUsageError, InjectInstruction, ResolveContext, record
from dataflow.node import DECORATOR_TAG, Dependency, Node, type_name
from dataflow.type_rules import edge_accepts, strip_annotated

__all__ = ["with_columns"]

APPEND_NODE = "_append"
"""Name (inside the namespace) of the node that appends the selected columns."""


@dataclass(frozen=True, slots=True)
class ColumnOf:
    """Node callable: one column of a DataFrame (picklable)."""

    frame: str
    column: str

    def __call__(self, **kwargs: Any) -> pd.Series:
        frame = kwargs[self.frame]
        try:
            return frame[self.column]
        except KeyError:
            raise KeyError(
                f"with_columns: column {self.column!r} (from columns_to_pass) is not in the "
                f"DataFrame {self.frame!r}, whose columns are {list(frame.columns)}.") from None


@dataclass(frozen=True, slots=True)
class AppendColumns:
    """Node callable: the DataFrame with the selected columns assigned (a new frame; the input
    frame is not modified)."""

    frame: str
    columns: tuple[tuple[str, str], ...]
    """``(column name, dependency name)`` pairs."""

    def __call__(self, **kwargs: Any) -> pd.DataFrame:
        return kwargs[self.frame].assign(**{column: kwargs[dep] for column, dep in self.columns})


@dataclass(frozen=True)
class FrameKind:
    """What ``with_columns`` needs to know about one DataFrame library: the frame and column
    types, how to read a column of a frame and how to append columns (both picklable node
    callables). pandas is :data:`PANDAS`; ``plugins.h_polars`` defines polars' kinds."""

    frame_type: Any
    column_type: Any
    label: str
    """How messages name the frame type (``pd.DataFrame``)."""
    column_of: Callable[[str, str], Callable[..., Any]] = field(repr=False)
    """``(frame parameter, column) -> callable`` computing the column node."""
    append: Callable[[str, tuple[tuple[str, str], ...]], Callable[..., Any]] = field(repr=False)
    """``(frame parameter, (column, dependency) pairs) -> callable`` of the append node."""

    def is_column(self, annotation: Any) -> bool:
        annotation = strip_annotated(annotation)
        return isinstance(annotation, type) and issubclass(annotation, self.column_type)


PANDAS = FrameKind(pd.DataFrame, pd.Series, "pd.DataFrame", ColumnOf, AppendColumns)


def check_usage(decorator_name: str, columns_to_pass: Collection[str] | None,
                pass_dataframe_as: str | None, select: Collection[str] | None) -> None:
    """The arguments every ``with_columns`` (pandas, polars, Dask, Spark) takes, checked when
    the decorator is written: exactly one way of handing the frame over, lists not strings."""
    if (columns_to_pass is None) == (pass_dataframe_as is None):
        raise DecoratorUsageError(
            f"@{decorator_name} takes exactly one of columns_to_pass=[...] (the frame's columns "
            "the functions read) and pass_dataframe_as='name' (the whole frame under that "
            "parameter name).")
    for name, value in (("columns_to_pass", columns_to_pass), ("select", select)):
        if isinstance(value, str):
            raise DecoratorUsageError(
                f"@{decorator_name}: {name} is a list of names; write [{value!r}].")


def frame_parameter(instruction: InjectInstruction, context: ResolveContext,
                    on_input: str | None, frame_type: Any, label: str) -> tuple[str, Any]:
    """The decorated function's frame parameter (the first, or ``on_input``) and its
    annotation, which must accept ``frame_type`` (``label`` names it in the error)."""
    parameters = [p.name for p in context.signature.parameters]
    if not parameters:
        raise context.error(instruction, "the function has no parameter; its first parameter "
                                         f"(or on_input=...) must be the {label} to add "
                                         "columns to.")
    frame = on_input or parameters[0]
    if frame not in parameters:
        raise context.error(instruction, f"on_input={frame!r} is not a parameter; parameters "
                                         f"are {', '.join(parameters)}."
                                         f"{did_you_mean(frame, parameters)}")
    annotation = context.signature.hints.get(frame, Any)
    if not edge_accepts(annotation, frame_type):
        raise context.error(instruction, f"parameter {frame!r} is annotated "
                                         f"{type_name(annotation)}; this with_columns works on "
                                         f"a {label} parameter.")
    return frame, annotation


def refuse_passed_and_computed(instruction: InjectInstruction, context: ResolveContext,
                               computed: Collection[str], passed: Collection[str]) -> None:
    """A column both passed from the frame and computed by a loaded function is an error."""
    clash = sorted(set(computed) & set(passed))
    if clash:
        raise context.error(
            instruction, f"{clash} are both passed from the DataFrame (columns_to_pass) and "
            "computed by a loaded function. columns_to_pass columns are read-only; to replace a "
            "column, use pass_dataframe_as=... and extract it yourself.")


def upstream_nodes(nodes: Sequence[Node], select: Collection[str]) -> list[Node]:
    """The nodes ``select`` needs (themselves included), in the original order. Linear."""
    by_name = {n.name: n for n in nodes}
    needed: set[str] = set()
    stack = list(select)
    while stack:
        name = stack.pop()
        if name in needed or name not in by_name:
            continue
        needed.add(name)
        stack.extend(d.name for d in by_name[name].dependencies)
    return [n for n in nodes if n.name in needed]


class WithColumnsInstruction(InjectInstruction):
    decorator_name = "with_columns"

    def __init__(self, load_from: tuple[Any, ...], columns_to_pass: tuple[str, ...] | None,
                 pass_dataframe_as: str | None, on_input: str | None,
                 select: tuple[str, ...] | None, namespace: str | None,
                 config_required: Sequence[str] | None, kind: FrameKind = PANDAS) -> None:
        self.kind = kind
        self.load_from = load_from
        self.columns_to_pass = columns_to_pass
        self.pass_dataframe_as = pass_dataframe_as
        self.on_input = on_input
        self.select = select
        self.namespace = namespace
        self.config_required = tuple(config_required or ())

    def required_config(self) -> Sequence[str]:
        return self.config_required

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        kind = self.kind
        frame, frame_type = frame_parameter(self, context, self.on_input, kind.frame_type,
                                            kind.label)
        namespace = self.namespace or context.name
        inner = resolve_subdag_nodes(self.load_from, context.config)
        inner_names = {n.name for n in inner}
        columns = self.columns_to_pass or ()
        refuse_passed_and_computed(self, context, inner_names, columns)
        # Tagged like Hamilton's: only the loaded functions' nodes are "non-final" and carry a
        # module (their own, kept by resolve_subdag_nodes); the columns read from the frame and
        # the _append node are plumbing of the decorated function and carry neither.
        tags = {DECORATOR_TAG: self.decorator_name}
        column_nodes = [
            Node(column, kind.column_type, kind.column_of(frame, column),
                 (Dependency(frame, frame_type),),
                 tags=tags, doc=f"column {column!r} of {frame!r}", origin=context.origin,
                 originating_functions=(context.fn,))
            for column in columns
        ]
        candidates = [*column_nodes, *inner]
        select = self.select
        if select is None:
            # Hamilton's default: every pd.Series node, the passed-through columns included
            # (assigning a column its own values changes nothing), and no pruning, so a
            # loaded function returning a scalar stays a node that can be requested.
            select = tuple(n.name for n in candidates if kind.is_column(n.type))
            generated = candidates
        else:
            missing = [s for s in select if s not in inner_names and s not in columns]
            if missing:
                raise context.error(
                    self, f"select names {missing}, which no loaded function defines."
                    f"{did_you_mean(missing[0], inner_names)} Loaded nodes: "
                    f"{', '.join(sorted(inner_names))}.")
            generated = upstream_nodes(candidates, select)
        if not select:
            raise context.error(self, "no column to append: no loaded function returns a "
                                      f"{type_name(kind.column_type)} and select=[...] is "
                                      "empty.")
        extra = [self.pass_dataframe_as] if self.pass_dataframe_as else []
        renamed = namespace_nodes(generated, namespace, extra, self.decorator_name)
        passed = {f"{namespace}.{column}" for column in columns}
        renamed = [n.with_changes(tags=tags) if n.name in passed else n for n in renamed]
        if self.pass_dataframe_as:
            renamed = [_frame_from_outer(n, f"{namespace}.{self.pass_dataframe_as}", frame,
                                         frame_type) for n in renamed]
        append_name = f"{namespace}.{APPEND_NODE}"
        by_name = {n.name: n for n in renamed}
        pairs = tuple((column, f"{namespace}.{column}") for column in select)
        append = Node(
            append_name, kind.frame_type, kind.append(frame, pairs),
            (Dependency(frame, frame_type),
             *(Dependency(dep, by_name[dep].type) for _, dep in pairs)),
            tags=tags, doc=f"{frame} with columns {', '.join(select)} appended",
            origin=context.origin, originating_functions=(context.fn,))
        consumers = [n for n in nodes if any(d.name == frame for d in n.dependencies)]
        rewired = [bind_parameters(n, {frame: UpstreamDependency(append_name)}, context.config)
                   if n in consumers else n for n in nodes]
        return [*renamed, append, *rewired]


def _frame_from_outer(node: Node, inner_name: str, frame: str, frame_type: Any) -> Node:
    """Point dependencies on ``ns.<pass_dataframe_as>`` at the outer DataFrame parameter."""
    if not any(d.name == inner_name for d in node.dependencies):
        return node
    assert isinstance(node.fn, RenamedCall)
    names = tuple((frame if new == inner_name else new, old) for new, old in node.fn.names)
    deps = tuple(Dependency(frame, frame_type, d.optional) if d.name == inner_name else d
                 for d in node.dependencies)
    return node.with_changes(fn=RenamedCall(node.fn.fn, names), dependencies=deps)


class with_columns:
    """Compute columns with the functions of ``load_from`` and append them to the DataFrame
    parameter (the first one, or ``on_input``) before the decorated function runs.

    * ``columns_to_pass``: columns of the DataFrame the functions take as ``pd.Series``
      parameters (read-only: computing a column of the same name is an error), or
    * ``pass_dataframe_as``: the parameter name under which the functions receive the whole
      DataFrame (they extract columns themselves and may replace existing ones).
    * ``select``: the columns to append; only what they need is built. Default (Hamilton's):
      every ``pd.Series`` node, passed columns included, with every loaded node built (a
      scalar-returning function is a node ``namespace.fn`` too).
    * ``namespace``: prefix of the generated nodes (default: the function's name).
    """

    decorator_name = "with_columns"
    kind: FrameKind = PANDAS
    """The DataFrame library (``plugins.h_polars.with_columns`` sets polars')."""

    def __init__(self, *load_from: types.ModuleType | Callable[..., Any],
                 columns_to_pass: Collection[str] | None = None,
                 pass_dataframe_as: str | None = None, on_input: str | None = None,
                 select: Collection[str] | None = None, namespace: str | None = None,
                 config_required: Sequence[str] | None = None) -> None:
        self.load_from = collect_functions(load_from, self.decorator_name)
        check_usage(self.decorator_name, columns_to_pass, pass_dataframe_as, select)
        self.columns_to_pass = tuple(columns_to_pass) if columns_to_pass is not None else None
        self.pass_dataframe_as = pass_dataframe_as
        self.on_input = on_input
        self.select = tuple(select) if select is not None else None
        self.namespace = namespace
        self.config_required = config_required

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise DecoratorUsageError(
                f"@with_columns decorates functions; got {fn!r}")
        return record(fn, WithColumnsInstruction(
            self.load_from, self.columns_to_pass, self.pass_dataframe_as, self.on_input,
            self.select, self.namespace, self.config_required, self.kind))

