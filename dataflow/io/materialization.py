"""``from_`` / ``to`` and ``Driver.materialize``: load and save around a graph at request time.

``from_.<format>(target="node", **params)`` makes ``node`` loaded (replacing the function that
defined it, or supplying an input); ``to.<format>(id="name", dependencies=[...],
combine=<result builder>, **params)`` adds a node ``name`` that saves the dependencies' value
and returns the saver's metadata. Parameters are plain values, ``value(x)`` or ``source("n")``
(read from node or input ``n``). :func:`materialize` adds the materializers' nodes to the
driver's graph (the graph stage validates the result again), runs the request and returns
``(metadata by materializer id, additional variables)``, as Hamilton does.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dataflow.errors import DataflowError, did_you_mean
from dataflow.graph import Graph, build_graph
from dataflow.io import registry
from dataflow.io.nodes import (
    CombineCall,
    MaterializerError,
    check_params,
    loader_nodes,
    saver_node,
)
from dataflow.node import Dependency, Node, NodeRole

if TYPE_CHECKING:
    from dataflow.driver import Driver


@dataclass(frozen=True)
class Extract:
    """``from_.<format>(target=..., **params)``: load ``target`` instead of computing it."""

    format: str
    target: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"load_data.{self.target}"

    def describe(self) -> str:
        return f"from_.{self.format}(target={self.target!r})"

    def generate_nodes(self, graph: Graph) -> list[Node]:
        """The loader nodes, typed by the node they replace (or by what consumes it)."""
        type_ = _target_type(graph, self.target)
        where = f"{self.describe()} for node {self.target!r}"
        return loader_nodes(self.format, self.params, type_, self.id, self.target, where, "from_")


@dataclass(frozen=True)
class Materialize:
    """``to.<format>(id=..., dependencies=[...], combine=None, **params)``: save values."""

    format: str
    id: str
    dependencies: tuple[str, ...]
    combine: Any = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return f"to.{self.format}(id={self.id!r})"

    def generate_nodes(self, graph: Graph) -> list[Node]:
        """The saver node ``id`` (and ``id_build_result`` when ``combine`` joins values)."""
        missing = [d for d in self.dependencies if d not in graph.nodes]
        if missing:
            raise MaterializerError(
                f"{self.describe()}: dependencies {', '.join(map(repr, missing))} are not nodes "
                f"of the graph.{did_you_mean(missing[0], graph.nodes)}")
        if self.combine is None:
            data = self.dependencies[0]
            where = f"{self.describe()} saving node {data!r}"
            return [saver_node(self.format, self.params, data, graph.nodes[data].type, self.id,
                               where, "to")]
        combined = f"{self.id}_build_result"
        output_type = getattr(self.combine, "output_type", None)
        type_ = output_type() if callable(output_type) else Any
        joined = Node(combined, type_, CombineCall(self.combine),
                      tuple(Dependency(d) for d in self.dependencies),
                      doc=f"{', '.join(self.dependencies)} combined by "
                          f"{type(self.combine).__name__} for {self.describe()}.")
        where = f"{self.describe()} saving node {combined!r}"
        return [joined, saver_node(self.format, self.params, combined, type_, self.id, where,
                                   "to")]


def _target_type(graph: Graph, target: str) -> Any:
    node = graph.nodes.get(target) or graph.replaced_by_config.get(target)
    return node.type if node is not None else Any


class _Formats:
    """``from_`` / ``to``: one attribute per registered format (``from_.csv``...); an unknown
    one is an :class:`~dataflow.io.registry.UnknownFormatError` with a did-you-mean."""

    def __init__(self, kind: str, label: str) -> None:
        self._kind = kind
        self._label = label

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        registry.check_format(self._kind, name, self._label)
        if self._kind == "loader":
            return _extract_factory(name)
        return _materialize_factory(name)

    def __dir__(self) -> list[str]:
        return registry.formats(self._kind)

    def __repr__(self) -> str:
        return f"<{self._label}: {', '.join(registry.formats(self._kind))}>"


def _extract_factory(fmt: str) -> Any:
    def factory(*, target: str, **params: Any) -> Extract:
        if not isinstance(target, str) or not target:
            raise MaterializerError(f"from_.{fmt}: target= must be a node name, got {target!r}.")
        check_params("loader", fmt, params, f"from_.{fmt}(target={target!r})")
        return Extract(fmt, target, dict(params))

    factory.__name__ = fmt
    factory.__doc__ = f"Load a node with the {fmt!r} format: from_.{fmt}(target='node', ...)."
    return factory


def _materialize_factory(fmt: str) -> Any:
    def factory(*, id: str, dependencies: Sequence[str], combine: Any = None,
                **params: Any) -> Materialize:
        where = f"to.{fmt}(id={id!r})"
        if not isinstance(id, str) or not id:
            raise MaterializerError(f"to.{fmt}: id= must be a name for the new node, got {id!r}.")
        if isinstance(dependencies, str) or not dependencies:
            raise MaterializerError(f"{where}: dependencies= must be a non-empty list of node "
                                    f"names, got {dependencies!r}.")
        if len(dependencies) > 1 and combine is None:
            raise MaterializerError(
                f"{where}: {len(dependencies)} dependencies need combine=<result builder> "
                "(e.g. base.PandasDataFrameResult()) to join them into one value to save.")
        if combine is not None and not callable(getattr(combine, "build_result", None)):
            raise MaterializerError(f"{where}: combine= must be a result builder (with "
                                    f"build_result), got {combine!r}.")
        check_params("saver", fmt, params, where)
        return Materialize(fmt, id, tuple(dependencies), combine, dict(params))

    factory.__name__ = fmt
    factory.__doc__ = (f"Save nodes with the {fmt!r} format: "
                       f"to.{fmt}(id='name', dependencies=[...], ...).")
    return factory


from_: Any = _Formats("loader", "from_")
"""``from_.<format>(target="node", **params)``: load ``node`` (see the module docstring)."""
to: Any = _Formats("saver", "to")
"""``to.<format>(id="name", dependencies=[...], combine=None, **params)``: save nodes."""


def materialized_graph(graph: Graph, materializers: Sequence[Any],
                       edge_checks: Sequence[Any] = ()) -> Graph:
    """``graph`` with the materializers' nodes added (loaders replace their target), built and
    validated again by the graph stage."""
    for materializer in materializers:
        if not callable(getattr(materializer, "generate_nodes", None)):
            raise MaterializerError(
                f"materialize({materializer!r}): expected from_.<format>(...) or "
                "to.<format>(...) objects.")
    ids = [m.id for m in materializers]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise MaterializerError(f"materialize: two materializers share the id(s) "
                                f"{', '.join(map(repr, duplicated))}; give each its own.")
    added: list[Node] = []
    replaced: set[str] = set()
    for materializer in materializers:
        nodes = materializer.generate_nodes(graph)
        added.extend(nodes)
        if isinstance(materializer, Extract):
            replaced.add(materializer.target)
    kept = [n for n in graph.nodes.values()
            if n.role is NodeRole.FUNCTION and n.name not in replaced]
    kept.extend(n for n in graph.replaced_by_config.values() if n.name not in replaced)
    return build_graph([("<graph>", kept), ("<materializers>", added)], graph.config,
                       edge_checks=edge_checks, excluded=graph.excluded)


def materialize(
    driver: Driver,
    *materializers: Any,
    additional_vars: Sequence[Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    inputs: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """See :meth:`dataflow.driver.Driver.materialize`."""
    if inspect.iscoroutinefunction(getattr(driver, "raw_execute", None)):
        raise DataflowError(
            "materialize is not supported by the async driver (as with_materializers is not): "
            "build a synchronous driver (dataflow.driver.Builder) over the same modules, or "
            "load and save inside your async functions.")
    if not materializers and not additional_vars:
        raise DataflowError("materialize() needs materializers (from_.<format>(...), "
                            "to.<format>(...)) or additional_vars.")
    edge_checks = getattr(driver, "_edge_checks", ())
    graph = materialized_graph(driver.graph, materializers, edge_checks)
    extended = driver._with_graph(graph)
    wanted = list(extended._output_names(list(additional_vars or [])))
    savers = [m.id for m in materializers if isinstance(m, Materialize)]
    outputs = extended.raw_execute([*savers, *wanted], overrides=overrides, inputs=inputs)
    return {i: outputs[i] for i in savers}, {n: outputs[n] for n in wanted}
