"""Which nodes a picture shows: closures around named nodes, limited by hops if asked.

Pure functions over a :class:`~dataflow.graph.Graph`; every name is checked first so a typo
gets a did-you-mean instead of a ``KeyError``.
"""

from __future__ import annotations

from collections.abc import Iterable

from dataflow.errors import did_you_mean
from dataflow.graph import Graph, downstream_of, path_between, upstream_of
from dataflow.lineage.errors import LineageError


def check_known(graph: Graph, names: Iterable[str], what: str = "node") -> list[str]:
    """``names`` as a list, or a :class:`LineageError` naming the unknown ones."""
    names = list(names)
    if not names:
        raise LineageError(f"Name at least one {what} to draw around.")
    for name in names:
        if not isinstance(name, str):
            raise LineageError(f"Node names must be strings; got {name!r}.")
        if name not in graph.nodes:
            raise LineageError(
                f"No node named {name!r} in this graph.{did_you_mean(name, graph.nodes)} "
                "list_available_variables() lists every node."
            )
    return names


def _check_hops(max_hops: int | None) -> None:
    if max_hops is not None and (not isinstance(max_hops, int) or max_hops < 0):
        raise LineageError(f"max_hops must be a whole number >= 0 or None; got {max_hops!r}.")


def within_hops(graph: Graph, names: Iterable[str], max_hops: int | None,
                upstream: bool = True, downstream: bool = False) -> set[str]:
    """``names`` and the nodes at most ``max_hops`` edges away (all of them for ``None``)."""
    names = check_known(graph, names)
    _check_hops(max_hops)
    if max_hops is None:
        found: set[str] = set(names)
        if upstream:
            found |= upstream_of(graph, names)
        if downstream:
            found |= downstream_of(graph, names)
        return found
    found = set(names)
    frontier = set(names)
    for _ in range(max_hops):
        step: set[str] = set()
        for name in frontier:
            if upstream:
                step.update(d.name for d in graph.nodes[name].dependencies
                            if d.name in graph.nodes)
            if downstream:
                step.update(graph.dependents[name])
        frontier = step - found
        found |= frontier
        if not frontier:
            break
    return found


def with_direct_dependencies(graph: Graph, names: set[str]) -> set[str]:
    """``names`` plus the nodes they read directly (so every drawn node shows its inputs)."""
    extra = {d.name for n in names for d in graph.nodes[n].dependencies if d.name in graph.nodes}
    return names | extra


def path_nodes(graph: Graph, upstream: str, downstream: str, strict: bool) -> set[str]:
    """Nodes on a path from ``upstream`` to ``downstream``; with ``strict=False`` also what they
    read directly. Raises when there is no path, saying which way round works if any."""
    check_known(graph, [upstream, downstream])
    between = path_between(graph, upstream, downstream)
    if not between:
        hint = ""
        if path_between(graph, downstream, upstream):
            hint = (f" There is a path the other way: {downstream!r} feeds {upstream!r}; swap "
                    "the arguments.")
        raise LineageError(
            f"No path from {upstream!r} to {downstream!r}: {downstream!r} does not depend on "
            f"{upstream!r}.{hint}"
        )
    return between if strict else with_direct_dependencies(graph, between)
