"""Stage 3, *graph*: nodes → an immutable, validated graph, and the algorithms over it.

:func:`build_graph` adds external inputs and config nodes, rejects duplicates and cycles, and
type-checks every edge. The algorithms (:func:`upstream_of`, :func:`downstream_of`,
:func:`path_between`, :func:`find_cycle`, :func:`to_networkx`) are free functions over a
:class:`Graph`, all iterative, so a 100,000-deep chain needs no recursion.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dataflow.errors import CycleError, DuplicateNodeError, EdgeTypeError, GraphBuildError
from dataflow.graph_index import GraphIndex, index_of
from dataflow.node import Dependency, Node, NodeRole, Origin, qualified_type_name
from dataflow.type_rules import edge_accepts, value_matches

if TYPE_CHECKING:
    import networkx


_NO_NODES: Mapping[str, Node] = types.MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ExcludedFunction:
    """A function that config switched off: kept so that a request for the node it would have
    defined can say why the node is absent (``@config.when`` and friends)."""

    node: str
    """The node name the function would define (``spend_scaled`` for ``spend_scaled__log``)."""
    function: str
    """The function's own name (``spend_scaled__log``)."""
    origin: Origin
    condition: str
    """The config condition that was not met, readable (``config.when(scaling='log')``)."""
    config_keys: tuple[str, ...] = ()
    """The config keys the condition reads."""


@dataclass(frozen=True, slots=True, eq=False)
class Graph:
    """An immutable, validated DAG of nodes.

    ``nodes`` holds every node by name (functions in definition order, then inputs and config);
    ``dependents`` maps each name to the names of the nodes that consume it.
    """

    nodes: Mapping[str, Node]
    dependents: Mapping[str, tuple[str, ...]]
    config: Mapping[str, Any]
    excluded: tuple[ExcludedFunction, ...] = ()
    """Functions that config switched off, in definition order."""
    replaced_by_config: Mapping[str, Node] = field(default_factory=lambda: _NO_NODES)
    """Function nodes whose name is a config key: the config value stands in their place."""
    _index: list[GraphIndex] = field(default_factory=list, repr=False, compare=False)
    """Holds :attr:`index` (made by the build, or on first use for a graph made otherwise)."""
    _public: list[Any] = field(default_factory=list, init=False, repr=False, compare=False)
    """Holds the graph as graph hooks see it (:func:`dataflow.graph_types.hamilton_graph`),
    made on the first call of such a hook."""

    @property
    def index(self) -> GraphIndex:
        """The nodes in one run order, dependencies as integer positions
        (:mod:`dataflow.graph_index`): what planning reads."""
        if not self._index:
            index = index_of(self.nodes)
            if index is None:
                raise CycleError(_describe_cycle(find_cycle(self.nodes), self.nodes))
            self._index.append(index)
        return self._index[0]

    def __contains__(self, name: object) -> bool:
        return name in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def __getitem__(self, name: str) -> Node:
        return self.nodes[name]

    @property
    def inputs(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.role is NodeRole.INPUT]

    def __reduce__(self) -> Any:
        return (_graph_from_parts, (dict(self.nodes), dict(self.dependents), dict(self.config),
                                    self.excluded, dict(self.replaced_by_config)))


def _graph_from_parts(
    nodes: dict[str, Node], dependents: dict[str, tuple[str, ...]], config: dict[str, Any],
    excluded: tuple[ExcludedFunction, ...] = (), replaced: dict[str, Node] | None = None,
) -> Graph:
    return Graph(
        types.MappingProxyType(nodes),
        types.MappingProxyType(dependents),
        types.MappingProxyType(config),
        excluded,
        types.MappingProxyType(replaced or {}),
    )


def build_graph(
    nodes_by_module: Sequence[tuple[str, Sequence[Node]]],
    config: Mapping[str, Any] | None = None,
    allow_module_overrides: bool = False,
    excluded: Sequence[ExcludedFunction] = (),
    edge_checks: Sequence[EdgeCheck] = (),
) -> Graph:
    """Validate nodes grouped by module into a :class:`Graph`.

    A node defined twice is an error unless ``allow_module_overrides`` is set and the two
    definitions live in different modules, in which case the later module wins. A config key
    named like a function node replaces that node by the config value, as in Hamilton: the
    function is never called and what only it needed leaves the graph. ``excluded`` lists the
    functions config switched off (kept for error messages only).
    """
    config = dict(config or {})
    defined = _merge_definitions(nodes_by_module, allow_module_overrides, config)
    replaced = _replaced_by_config(defined, config)
    externals = _external_nodes(defined, config, replaced)
    all_nodes = {**defined, **externals}
    _check_edge_types(defined, all_nodes, edge_checks)
    _check_config_values(defined, all_nodes, config)
    dependents = _dependents(all_nodes)
    index = index_of(all_nodes)  # the run order; None for a cycle, which the search names
    if index is None:
        raise CycleError(_describe_cycle(find_cycle(all_nodes), all_nodes))
    return Graph(
        types.MappingProxyType(all_nodes),
        types.MappingProxyType(dependents),
        types.MappingProxyType(config),
        tuple(excluded),
        types.MappingProxyType(replaced),
        [index],
    )


def _replaced_by_config(defined: dict[str, Node], config: Mapping[str, Any]) -> dict[str, Node]:
    """Take out of ``defined`` the function nodes that a config key names (Hamilton semantics:
    the config value is used and the function never runs); return them by name. The config
    node that takes each one's place is added with the other external nodes."""
    return {name: defined.pop(name) for name in [k for k in config if k in defined]}


def _config_in_place_of(function_node: Node) -> Node:
    origin = function_node.origin
    function = origin.function if origin is not None else function_node.name
    return Node(function_node.name, function_node.type, role=NodeRole.CONFIG,
                doc=f"config value, in place of the function {function}",
                originating_functions=function_node.originating_functions)


def _merge_definitions(
    nodes_by_module: Sequence[tuple[str, Sequence[Node]]], allow_module_overrides: bool,
    config: Mapping[str, Any],
) -> dict[str, Node]:
    """Nodes by name; a second definition is an error, unless module overrides allow it or a
    config value replaces the node anyway (Hamilton builds such graphs)."""
    defined: dict[str, Node] = {}
    home: dict[str, str] = {}
    for module_name, nodes in nodes_by_module:
        for node in nodes:
            previous = defined.get(node.name)
            if previous is not None and node.name not in config:
                if home[node.name] == module_name or not allow_module_overrides:
                    raise DuplicateNodeError(_describe_duplicate(node, previous, module_name,
                                                                 home[node.name]))
                del defined[node.name]
            defined[node.name] = node
            home[node.name] = module_name
    return defined


def _describe_duplicate(node: Node, previous: Node, module: str, previous_module: str) -> str:
    if previous.origin is not None and previous.origin == node.origin:
        return (f"Node {node.name!r} is defined twice by the same function {node.where()}: "
                f"its module ({module}) was given to the driver twice, or imported into "
                "another module given too. Pass each module once.")
    if module == previous_module:
        hint = ("Rename one of them, or give them exclusive @config.when conditions so only one "
                "is active.")
    else:
        hint = ("Rename one of them, or call Builder().allow_module_overrides() so the later "
                f"module ({module}) wins.")
    return (f"Node {node.name!r} is defined twice: by {previous.where()} and by {node.where()}. "
            + hint)


def _external_nodes(defined: Mapping[str, Node], config: Mapping[str, Any],
                    replaced: Mapping[str, Node]) -> dict[str, Node]:
    """Input and config nodes for every dependency nobody defines, and for every config key."""
    externals = {name: _config_in_place_of(node) for name, node in replaced.items()}
    first_consumer: dict[str, Node] = {}
    for node in defined.values():
        for dep in node.dependencies:
            if dep.name in defined:
                continue
            existing = externals.get(dep.name)
            if dep.name in replaced:
                continue  # a config value in place of a function: checked per consumer
            if existing is None:
                role = NodeRole.CONFIG if dep.name in config else NodeRole.INPUT
                externals[dep.name] = Node(dep.name, dep.type, role=role,
                                           doc=f"{role.value} needed by {node.name}")
                first_consumer[dep.name] = node
            elif not edge_accepts(existing.type, dep.type):
                if edge_accepts(dep.type, existing.type):  # the narrower type is the requirement
                    externals[dep.name] = existing.with_changes(type=dep.type)
                else:
                    other = first_consumer[dep.name]
                    raise EdgeTypeError(
                        f"Input {dep.name!r} is required with incompatible types: "
                        f"{qualified_type_name(existing.type)} by {other.where()} and "
                        f"{qualified_type_name(dep.type)} by {node.where()}. "
                        "Make the annotations agree."
                    )
    for key in config:  # every config value is a node, as in Hamilton, so it can be requested
        if key not in defined and key not in externals:
            externals[key] = Node(key, Any, role=NodeRole.CONFIG, doc="config value")
    return externals


def _check_config_values(defined: Mapping[str, Node], all_nodes: Mapping[str, Node],
                         config: Mapping[str, Any]) -> None:
    """Config values are known at build: check each against every parameter that reads it
    (``None`` is accepted for a parameter with a default)."""
    if not config:
        return
    for node in defined.values():
        for dep in node.dependencies:
            if all_nodes[dep.name].role is not NodeRole.CONFIG:
                continue
            value = config[dep.name]
            if not value_matches(value, dep.type) and not (value is None and dep.optional):
                raise EdgeTypeError(
                    f"Config value {dep.name!r} is a {qualified_type_name(type(value))}, but "
                    f"parameter {dep.name!r} of {node.where()} expects "
                    f"{qualified_type_name(dep.type)}."
                )


EdgeCheck = Callable[[Any, Any], bool]
"""``check(produced_type, required_type)``: an adapter's widening of the edge rule (lifecycle
``EdgeConnectionHook.check_edge_types_match``); consulted only for edges the rule refuses."""


def _check_edge_types(defined: Mapping[str, Node], all_nodes: Mapping[str, Node],
                      edge_checks: Sequence[EdgeCheck] = ()) -> None:
    function = NodeRole.FUNCTION
    for node in defined.values():
        for dep in node.dependencies:
            producer = all_nodes[dep.name]
            produced = producer.type
            if produced is dep.type and type(produced) is type:
                continue  # a class passed to the same class: accepted (most edges; no memo look-up)
            if (producer.role is function and not edge_accepts(produced, dep.type)
                    and not any(check(produced, dep.type) for check in edge_checks)):
                raise EdgeTypeError(_describe_mismatch(producer, node, dep))


def _describe_mismatch(producer: Node, consumer: Node, dep: Dependency) -> str:
    return (
        f"Type mismatch on edge {producer.name!r} -> {consumer.name!r}: "
        f"{producer.where()} returns {qualified_type_name(producer.type)}, but parameter "
        f"{dep.name!r} of {consumer.where()} is annotated {qualified_type_name(dep.type)}. "
        "Change one annotation so the produced type is the required type or a subclass of it."
    )


def _dependents(nodes: Mapping[str, Node]) -> dict[str, tuple[str, ...]]:
    consumers: dict[str, list[str]] = {name: [] for name in nodes}
    for node in nodes.values():
        for dep in node.dependencies:
            consumers[dep.name].append(node.name)
    return {name: tuple(names) for name, names in consumers.items()}


def find_cycle(nodes: Mapping[str, Node]) -> list[str]:
    """One cycle as ``[a, b, ..., a]`` (each depends on the next), or ``[]`` for a DAG.

    Iterative depth-first search with three colours: no recursion limit on deep graphs.
    """
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for start in nodes:
        if start in state:
            continue
        path: list[str] = [start]
        iterators = [iter(nodes[start].dependencies)]
        state[start] = 1
        while iterators:
            dep = next(iterators[-1], None)
            if dep is None:
                state[path.pop()] = 2
                iterators.pop()
                continue
            if dep.name not in nodes:
                continue
            seen = state.get(dep.name)
            if seen == 1:
                return [*path[path.index(dep.name):], dep.name]
            if seen is None:
                state[dep.name] = 1
                path.append(dep.name)
                iterators.append(iter(nodes[dep.name].dependencies))
    return []


def _describe_cycle(cycle: list[str], nodes: Mapping[str, Node]) -> str:
    lines = [f"  {name} ({nodes[name].where()}) needs" for name in cycle[:-1]]
    lines.append(f"  {cycle[-1]}")
    return ("The functions form a cycle; a dataflow must be acyclic:\n" + "\n".join(lines)
            + "\nBreak the cycle by renaming a parameter or splitting a function.")


def _closure(graph: Graph, names: Iterable[str], upstream: bool) -> set[str]:
    found: set[str] = set()
    stack = list(names)
    for name in stack:
        if name not in graph.nodes:
            raise GraphBuildError(f"No node named {name!r} in the graph.")
    while stack:
        name = stack.pop()
        if name in found:
            continue
        found.add(name)
        if upstream:
            stack.extend(d.name for d in graph.nodes[name].dependencies if d.name in graph.nodes)
        else:
            stack.extend(graph.dependents[name])
    return found


def upstream_of(graph: Graph, names: Iterable[str]) -> set[str]:
    """``names`` and every node they (transitively) depend on."""
    return _closure(graph, names, upstream=True)


def downstream_of(graph: Graph, names: Iterable[str]) -> set[str]:
    """``names`` and every node that (transitively) depends on them."""
    return _closure(graph, names, upstream=False)


def path_between(graph: Graph, upstream: str, downstream: str) -> set[str]:
    """The nodes on some path from ``upstream`` to ``downstream`` (empty when there is none)."""
    between = downstream_of(graph, [upstream]) & upstream_of(graph, [downstream])
    return between if upstream in between and downstream in between else set()


def topological_order(graph: Graph, names: Iterable[str] | None = None) -> list[str]:
    """Node names in dependency order (dependencies first), restricted to ``names`` if given."""
    wanted = set(graph.nodes) if names is None else set(names)
    order: list[str] = []
    done: set[str] = set()
    for start in graph.nodes:
        if start not in wanted or start in done:
            continue
        stack = [(start, iter(graph.nodes[start].dependencies))]
        done.add(start)
        while stack:
            name, deps = stack[-1]
            for dep in deps:
                if dep.name in wanted and dep.name not in done:
                    done.add(dep.name)
                    stack.append((dep.name, iter(graph.nodes[dep.name].dependencies)))
                    break
            else:
                stack.pop()
                order.append(name)
    return order


def to_networkx(graph: Graph) -> networkx.DiGraph:
    """The graph as a :class:`networkx.DiGraph` (edges point from dependency to consumer).

    Each networkx node carries ``node`` (the :class:`Node`), ``type``, ``role`` and ``tags``.
    networkx is an extra: ``pip install "dataflow[networkx]"``.
    """
    try:
        import networkx
    except ImportError as error:
        raise ImportError('to_networkx needs networkx: pip install "dataflow[networkx]" (or '
                          'pip install networkx)') from error

    exported = networkx.DiGraph()
    for node in graph.nodes.values():
        exported.add_node(node.name, node=node, type=node.type, role=node.role.value,
                          tags=dict(node.tags))
    for node in graph.nodes.values():
        for dep in node.dependencies:
            exported.add_edge(dep.name, node.name, optional=dep.optional)
    return exported
