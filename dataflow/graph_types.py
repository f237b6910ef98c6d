"""The graph that graph-level hooks receive: Hamilton's ``hamilton.graph_types`` names.

A hook written for Apache Hamilton reads ``graph.nodes``, ``graph["name"]``,
``graph.filter_nodes(...)``, ``graph.version`` and, on each :class:`HamiltonNode`, ``name``,
``type``, ``tags``, ``is_external_input``, ``originating_functions``, ``documentation``,
``required_dependencies`` / ``optional_dependencies`` (sets of names),
``optional_dependencies_default_values``, ``version`` and ``as_dict()``. These classes give the
same answers, made from dataflow's own graph (:class:`dataflow.graph.Graph`), so such a hook
ports by changing the import root.

Who receives it. The lifecycle API's graph hooks (``run_after_graph_construction``,
``run_before_graph_execution``, ``run_after_graph_execution``, ``run_to_validate_graph``, plain
or ``async def``) get a :class:`HamiltonGraph`, as in Hamilton. The one-hook classes of
:mod:`dataflow.lifecycle.base` (``post_graph_construct``, ``pre_graph_execute``,
``post_graph_execute``) get dataflow's :class:`~dataflow.graph.Graph`, as Hamilton gives its
own internal graph (``FunctionGraph``) to those.

Cost. :func:`hamilton_graph` makes the :class:`HamiltonGraph` of a graph the first time a graph
hook is called and keeps it with the graph, so a driver makes it at most once, and a driver
without graph hooks never makes it (its runs do not look). Node versions (source hashes) are
computed on first read only, and so are the nodes themselves: an adapter that only takes the
internal graph back (below) never makes them. Every call is handed the same object (Hamilton
makes a new one per call; a built driver's graph never changes): entry
``graph-types-one-per-driver`` of the port guide.

Our own adapters that need the real graph (the cache reads its nodes' functions and config)
take it back with :func:`internal_graph`: a :class:`HamiltonGraph` made here holds a private
reference to the graph it describes. That keeps one channel (the ``graph`` argument Hamilton
defines) instead of an extra keyword every hook would be handed, and a Hamilton-written hook
never sees dataflow's internals unless it asks.

>>> from dataflow import ad_hoc_utils, driver
>>> def spend(raw: int) -> float:
...     '''Money spent.'''
...     return raw * 1.0
>>> dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(spend)).build()
>>> graph = hamilton_graph(dr.graph)
>>> graph["spend"]
Node("spend": float)
>>> sorted(graph["spend"].required_dependencies), graph["raw"].is_external_input
(['raw'], True)
>>> [n.name for n in graph.filter_nodes(lambda n: n.is_external_input)]
['raw']
>>> internal_graph(graph) is dr.graph
True
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import logging
import textwrap
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from dataflow.node import NodeRole
from dataflow.source_parsing import parse

if TYPE_CHECKING:
    from dataflow.graph import Graph
    from dataflow.node import Node

__all__ = ["HamiltonGraph", "HamiltonNode", "hamilton_graph", "hash_source_code",
           "internal_graph"]

logger = logging.getLogger(__name__)
_FUNCTION = NodeRole.FUNCTION


# -- source hashes ---------------------------------------------------------------------------

def _without_docstrings(source: str) -> str:
    """``source`` re-printed from its syntax tree: comments and layout gone, and the docstring
    of every function (not of classes or the module) left out."""
    tree = parse(textwrap.dedent(source))
    for found in ast.walk(tree):
        if isinstance(found, (ast.FunctionDef, ast.AsyncFunctionDef)) and found.body:
            first = found.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                found.body = found.body[1:]
    return ast.unparse(tree)


def hash_source_code(source: str | Callable[..., Any], strip: bool = False) -> str:
    """The SHA-256 hex digest of ``source`` (a function's source is read with
    :func:`inspect.getsource`), as Hamilton computes it: surrounding blank space ignored, and
    with ``strip`` comments, formatting and function docstrings ignored too.

    >>> hash_source_code("x = 1  # one", strip=True) == hash_source_code("x  =  1", strip=True)
    True
    """
    text = source if isinstance(source, str) else inspect.getsource(source)
    text = _without_docstrings(text) if strip else text.strip()
    return hashlib.sha256(text.encode()).hexdigest()


def _type_text(type_: Any) -> str:
    """A type's short name, as Hamilton's ``as_dict`` spells ``output_type``."""
    if typing.get_origin(type_) is typing.Annotated:
        return _type_text(typing.get_args(type_)[0])
    name = getattr(type_, "__name__", None)
    if name:
        return str(name)
    origin = typing.get_origin(type_)
    if origin is not None:
        return _type_text(origin)
    return repr(type_)


# -- nodes -----------------------------------------------------------------------------------

@dataclass
class HamiltonNode:
    """One node as a graph hook sees it (Hamilton's ``hamilton.graph_types.HamiltonNode``).

    ``originating_functions`` are the functions the node comes from; an external input names
    the functions of the node that reads it (the one Hamilton meets first), a config value
    nobody reads has none (``None``)."""

    name: str
    type: Any
    tags: dict[str, Any]
    is_external_input: bool
    originating_functions: tuple[Callable[..., Any], ...] | None
    documentation: str | None
    required_dependencies: set[str]
    optional_dependencies: set[str]
    optional_dependencies_default_values: dict[str, Any]

    @staticmethod
    def from_node(node: Node, originating_functions: tuple[Callable[..., Any], ...] | None = None
                  ) -> HamiltonNode:
        """The :class:`HamiltonNode` of dataflow's ``node``; ``originating_functions`` stands
        in for an external node's own (it has none): see :func:`hamilton_graph`."""
        required: set[str] = set()
        optional: set[str] = set()
        for dependency in node.dependencies:
            (optional if dependency.optional else required).add(dependency.name)
        return HamiltonNode(
            node.name, node.type, dict(node.tags), node.role is not _FUNCTION,
            node.originating_functions or originating_functions or None, node.doc,
            required, optional, _defaults(node, optional) if optional else {})

    @functools.cached_property
    def version(self) -> str | None:
        """A hash of the source of the node's first originating function, comments and
        docstrings left out; an external node without functions is versioned by its name;
        ``None`` when the source cannot be read (a function made in a notebook cell)."""
        if not self.originating_functions:
            return self.name if self.is_external_input else None
        try:
            return hash_source_code(self.originating_functions[0], strip=True)
        except (OSError, TypeError, SyntaxError):
            logger.warning("The source of node %r cannot be read: its version is None.",
                           self.name)
            return None

    def as_dict(self, include_optional_dependencies_default_values: bool = False
                ) -> dict[str, Any]:
        """The node as a dict that can be written as JSON (the default values of optional
        dependencies, which may be anything, only when asked)."""
        described: dict[str, Any] = {
            "name": self.name,
            "tags": self.tags,
            "output_type": _type_text(self.type) or "",
            "required_dependencies": sorted(self.required_dependencies),
            "optional_dependencies": sorted(self.optional_dependencies),
            "source": (inspect.getsource(self.originating_functions[0])
                       if self.originating_functions else None),
            "documentation": self.documentation,
            "version": self.version,
        }
        if include_optional_dependencies_default_values:
            described["optional_dependencies_default_values"] = (
                self.optional_dependencies_default_values)
        return described

    def __repr__(self) -> str:
        return f'Node("{self.name}": {_type_text(self.type)})'


def _defaults(node: Node, optional: set[str]) -> dict[str, Any]:
    """The default value of each optional dependency of ``node`` (``optional``, their names),
    in parameter order: the parameter of that name of its function, or else of the function it
    comes from."""
    found: dict[str, Any] = {}
    for fn in (node.fn, *node.originating_functions):
        if fn is None or len(found) == len(optional):
            continue
        try:
            parameters = inspect.signature(fn).parameters
        except (TypeError, ValueError):
            continue
        for name, parameter in parameters.items():
            if (name in optional and name not in found
                    and parameter.default is not inspect.Parameter.empty):
                found[name] = parameter.default
    return found


# -- the graph -------------------------------------------------------------------------------

class _NodesOnFirstRead:
    """The ``nodes`` field of :class:`HamiltonGraph`: given (``HamiltonGraph(nodes=[...])``),
    or ``None`` with the graph to describe, and then made from that graph on first read. So
    handing a hook the graph costs nothing until the hook reads the nodes, and an adapter that
    only takes the internal graph back never pays for them."""

    def __get__(self, graph: Any, owner: Any = None) -> Any:
        if graph is None:
            raise AttributeError("nodes")  # a required field: no class-level default
        nodes = graph.__dict__.get("_nodes")
        if nodes is None and graph._graph is not None:
            nodes = graph.__dict__["_nodes"] = _nodes_of(graph._graph)
        return nodes

    def __set__(self, graph: Any, nodes: Any) -> None:
        graph.__dict__["_nodes"] = nodes


@dataclass
class HamiltonGraph:
    """The nodes of a driver's graph, as graph hooks see them (Hamilton's
    ``hamilton.graph_types.HamiltonGraph``). Made by the driver (:func:`hamilton_graph`), not by
    users."""

    nodes: list[HamiltonNode] = _NodesOnFirstRead()  # type: ignore[assignment]
    _graph: ClassVar[Any] = None
    """The dataflow graph the nodes describe (:func:`internal_graph`): an attribute of the
    instances made by :meth:`from_graph`, not a field (``dataclasses.fields`` and
    ``dataclasses.asdict`` see ``nodes`` only, as in Hamilton)."""

    @staticmethod
    def from_graph(graph: Graph) -> HamiltonGraph:
        """A :class:`HamiltonGraph` of dataflow's ``graph``, its nodes made on first read
        (:func:`hamilton_graph` keeps one per graph)."""
        shown = HamiltonGraph(None)  # type: ignore[arg-type]
        shown._graph = graph  # type: ignore[misc]
        return shown

    @functools.cached_property
    def version(self) -> str:
        """A hash of the graph: of the sorted versions of its nodes (those that have one)."""
        versions = sorted(n.version for n in self.nodes if n.version is not None)
        return hashlib.sha256(str(versions).encode()).hexdigest()

    @functools.cached_property
    def _by_name(self) -> dict[str, HamiltonNode]:
        return {n.name: n for n in self.nodes}

    def __getitem__(self, key: str) -> HamiltonNode:
        """The node named ``key`` (``KeyError`` when there is none)."""
        return self._by_name[key]

    def filter_nodes(self, filter: Callable[[HamiltonNode], bool]) -> list[HamiltonNode]:
        """The nodes for which ``filter(node)`` is ``True`` (the value ``True``, as in
        Hamilton: a truthy non-bool does not select)."""
        return [n for n in self.nodes if filter(n) is True]


def _nodes_of(graph: Graph) -> list[HamiltonNode]:
    """Every node of ``graph`` (functions in definition order, then inputs and config)."""
    readers = _first_readers(graph.nodes.values())
    return [HamiltonNode.from_node(node, readers.get(node.name)) for node in graph.nodes.values()]


def _first_readers(nodes: Iterable[Node]) -> dict[str, tuple[Callable[..., Any], ...]]:
    """For each name a function node reads, the originating functions of the reader Hamilton
    meets first: it collects the functions of each module by name, modules in the order given,
    and an external node takes the functions of the first node that needs it."""
    module_rank: dict[str, int] = {}
    best: dict[str, tuple[tuple[int, str, int], tuple[Callable[..., Any], ...]]] = {}
    for position, node in enumerate(nodes):
        functions = node.originating_functions
        if not functions or node.is_external:
            continue
        first = functions[0]
        module = getattr(first, "__module__", "") or ""
        rank = module_rank.setdefault(module, len(module_rank))
        key = (rank, getattr(first, "__name__", ""), position)
        for dependency in node.dependencies:
            known = best.get(dependency.name)
            if known is None or key < known[0]:
                best[dependency.name] = (key, functions)
    return {name: functions for name, (_, functions) in best.items()}


# -- the driver's channel --------------------------------------------------------------------

def hamilton_graph(graph: Graph) -> HamiltonGraph:
    """The :class:`HamiltonGraph` of ``graph``, made on first call and kept with it (one per
    driver; a driver whose adapters have no graph hook never calls this)."""
    kept = graph._public
    if not kept:
        kept.append(HamiltonGraph.from_graph(graph))
    shown: HamiltonGraph = kept[0]
    return shown


def internal_graph(graph: Any) -> Any:
    """The dataflow :class:`~dataflow.graph.Graph` behind ``graph``: the graph a
    :class:`HamiltonGraph` was made from, or ``graph`` itself (for callers handed either)."""
    if isinstance(graph, HamiltonGraph) and graph._graph is not None:
        return graph._graph
    return graph

