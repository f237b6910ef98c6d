"""The nodes that load and save: picklable callables (no closures, so process and cluster
executors can ship them) and the functions that build loader / saver nodes. Shared by
``from_`` / ``to`` (:mod:`dataflow.io.materialization`) and the decorators
(:mod:`dataflow.function_modifiers.adapters`).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dataflow.errors import DataflowError
from dataflow.execution.failures import add_note
from dataflow.io import registry
from dataflow.node import DECORATOR_TAG, Dependency, Node, Origin

LOADER_TAG = "hamilton.data_loader"
SAVER_TAG = "hamilton.data_saver"
"""Hamilton's tag keys on loader and saver nodes (kept, so tag filters port)."""
MATERIALIZER_TAG = "dataflow.materializer"
"""``"loader"`` or ``"saver"`` on every node that loads or saves; lineage styles them by it."""


class MaterializerError(DataflowError):
    """A materializer or loading/saving decorator was given parameters it cannot use."""


def split_params(params: Mapping[str, Any]) -> tuple[tuple[tuple[str, Any], ...],
                                                      tuple[tuple[str, str], ...]]:
    """Parameters → ``(literals, sources)``: plain values and ``value(x)`` are literals,
    ``source(name)`` reads a node."""
    # imported here: dataflow.function_modifiers imports pandas, dataflow.io must not
    from dataflow.function_modifiers.dependencies import (
        LiteralDependency,
        ParametrizedDependency,
        UpstreamDependency,
    )

    literals: list[tuple[str, Any]] = []
    sources: list[tuple[str, str]] = []
    for name, given in params.items():
        if isinstance(given, UpstreamDependency):
            sources.append((name, given.source))
        elif isinstance(given, LiteralDependency):
            literals.append((name, given.value))
        elif isinstance(given, ParametrizedDependency):
            raise MaterializerError(f"parameter {name!r}: {given!r} is not supported here; use "
                                    "a value, value(x) or source('node').")
        else:
            literals.append((name, given))
    return tuple(literals), tuple(sources)


def check_params(kind: str, fmt: str, params: Mapping[str, Any], where: str) -> None:
    """Every parameter is accepted by some adapter of the format, and the required ones of
    at least one adapter are given; else an error listing what the format accepts."""
    adapters = registry.adapters_for(kind, fmt)
    given = set(params)
    accepted = {name for a in adapters for name in
                (*a.get_required_arguments(), *a.get_optional_arguments())}
    unknown = sorted(given - accepted)
    if unknown:
        raise MaterializerError(
            f"{where}: unknown parameter(s) {', '.join(unknown)} for the format {fmt!r}; it "
            f"accepts {', '.join(sorted(accepted))}.")
    if not any(_has_required(a, given) for a in adapters):
        needed = " or ".join(dict.fromkeys(
            "(" + ", ".join(_required_names(a)) + ")" for a in adapters))
        raise MaterializerError(f"{where}: the format {fmt!r} needs the parameters {needed}.")


def _one_of(adapter: Any) -> tuple[str, ...]:
    """Parameters of which the adapter needs one (``path`` or Hamilton's ``file`` for polars)."""
    alternatives = getattr(adapter, "required_one_of", None)
    return tuple(alternatives()) if callable(alternatives) else ()


def _has_required(adapter: Any, given: set[str]) -> bool:
    one_of = _one_of(adapter)
    return (set(adapter.get_required_arguments()) <= given
            and (not one_of or bool(given & set(one_of))))


def _required_names(adapter: Any) -> list[str]:
    one_of = _one_of(adapter)
    return [*adapter.get_required_arguments(), *([" or ".join(one_of)] if one_of else [])]


def _instantiate(adapter: Any, literals: tuple[tuple[str, Any], ...],
                 sources: tuple[tuple[str, str], ...], kwargs: Mapping[str, Any],
                 where: str) -> Any:
    params = dict(literals)
    for name, dependency in sources:
        params[name] = kwargs[dependency]
    names = {f.name for f in dataclasses.fields(adapter)}
    missing = [n for n in adapter.get_required_arguments() if n not in params]
    if missing:
        raise MaterializerError(f"{where}: {adapter.__qualname__} needs {', '.join(missing)}.")
    return adapter(**{k: v for k, v in params.items() if k in names})


def _annotate(error: BaseException, where: str) -> BaseException:
    """``error`` naming the materializer and node: a missing file is re-raised as a
    ``FileNotFoundError`` whose message says who looked for it; other errors gain a note."""
    if isinstance(error, FileNotFoundError) and error.filename is not None:
        return FileNotFoundError(error.errno, f"{error.strerror} (in {where})", error.filename)
    add_note(error, f"raised in {where}")
    return error


@dataclass(frozen=True, slots=True)
class LoadCall:
    """Calls a loader: returns ``(value, metadata)``."""

    adapter: Any
    literals: tuple[tuple[str, Any], ...]
    sources: tuple[tuple[str, str], ...]
    type_: Any
    where: str

    def __call__(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        try:
            loader = _instantiate(self.adapter, self.literals, self.sources, kwargs, self.where)
            data, metadata = loader.load_data(self.type_)
        except Exception as error:
            annotated = _annotate(error, self.where)
            if annotated is error:
                raise
            raise annotated from error
        return data, metadata


@dataclass(frozen=True, slots=True)
class FirstOf:
    """The value of a ``(value, metadata)`` pair."""

    dependency: str

    def __call__(self, **kwargs: Any) -> Any:
        return kwargs[self.dependency][0]


@dataclass(frozen=True, slots=True)
class SaveCall:
    """Calls a saver on the value of ``data``: returns the saver's metadata. ``fmt`` set (and
    ``adapter`` None) chooses the saver by the value's type at run time (node typed ``Any``)."""

    adapter: Any
    fmt: str
    data: str
    literals: tuple[tuple[str, Any], ...]
    sources: tuple[tuple[str, str], ...]
    where: str

    def __call__(self, **kwargs: Any) -> dict[str, Any]:
        value = kwargs[self.data]
        adapter = self.adapter or registry.adapter_for("saver", self.fmt, type(value), self.where)
        try:
            saver = _instantiate(adapter, self.literals, self.sources, kwargs, self.where)
            metadata = saver.save_data(value)
        except Exception as error:
            annotated = _annotate(error, self.where)
            if annotated is error:
                raise
            raise annotated from error
        return metadata  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class CombineCall:
    """Builds one value from several nodes with a result builder (``to.<fmt>(combine=...)``)."""

    builder: Any

    def __call__(self, **kwargs: Any) -> Any:
        return self.builder.build_result(**kwargs)


def _source_dependencies(adapter: Any, sources: tuple[tuple[str, str], ...]
                         ) -> tuple[Dependency, ...]:
    """One dependency per node a ``source()`` parameter reads, typed by the adapter's field
    (so an input that only feeds ``path=source("p")`` is typed like ``path``)."""
    hints = _field_types(adapter) if adapter is not None else {}
    found: dict[str, Dependency] = {}
    for parameter, node in sources:
        found.setdefault(node, Dependency(node, hints.get(parameter, Any)))
    return tuple(found.values())


def _field_types(adapter: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(adapter)
    except Exception:  # an annotation that does not resolve: leave the edges untyped
        return {}


def loader_nodes(fmt: str, params: Mapping[str, Any], type_: Any, load_name: str,
                 value_name: str, where: str, decorator: str,
                 origin: Origin | None = None, loads: str | None = None) -> list[Node]:
    """The two nodes that load ``value_name``: ``load_name`` (``(value, metadata)``) and
    ``value_name`` (the value, of ``type_``); ``loads`` names what is loaded in the tags
    (default ``value_name``; ``@load_from`` gives the parameter, as Hamilton does)."""
    adapter = registry.adapter_for("loader", fmt, type_, where)
    literals, sources = split_params(params)
    tags = {LOADER_TAG: True, f"{LOADER_TAG}.source": fmt,
            f"{LOADER_TAG}.classname": adapter.__qualname__,
            f"{LOADER_TAG}.node": loads or value_name,
            MATERIALIZER_TAG: "loader", DECORATOR_TAG: decorator}
    load = Node(load_name, tuple[type_, dict[str, Any]],  # type: ignore[valid-type]
                LoadCall(adapter, literals, sources, type_, where),
                _source_dependencies(adapter, sources),
                tags={**tags, f"{LOADER_TAG}.has_metadata": True},
                doc=f"Loads {value_name!r} with {where}: (value, metadata).", origin=origin)
    select = Node(value_name, type_, FirstOf(load_name), (Dependency(load_name),),
                  tags={**tags, f"{LOADER_TAG}.has_metadata": False},
                  doc=f"{value_name!r} as loaded by {where}.", origin=origin)
    return [load.with_changes(tags=load.tags), select.with_changes(tags=select.tags)]


def saver_node(fmt: str, params: Mapping[str, Any], data: str, type_: Any, name: str,
               where: str, decorator: str, origin: Origin | None = None) -> Node:
    """The node ``name`` that saves the value of ``data`` (of ``type_``) and returns the
    saver's metadata."""
    by_value = type_ is Any or type_ is object
    adapter = None if by_value else registry.adapter_for("saver", fmt, type_, where)
    literals, sources = split_params(params)
    classname = adapter.__qualname__ if adapter is not None else f"{fmt} (by value type)"
    tags = {SAVER_TAG: True, f"{SAVER_TAG}.sink": fmt, f"{SAVER_TAG}.classname": classname,
            MATERIALIZER_TAG: "saver", DECORATOR_TAG: decorator}
    dependencies = (Dependency(data), *(d for d in _source_dependencies(adapter, sources)
                                        if d.name != data))
    node = Node(name, dict[str, Any], SaveCall(adapter, fmt, data, literals, sources, where),
                dependencies, doc=f"Saves {data!r} with {where}; returns its metadata.",
                origin=origin)
    return node.with_changes(tags=tags)
