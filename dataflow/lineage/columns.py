"""Column-level lineage: where a column of a result came from.

A column made by ``@extract_columns`` (or a field made by ``@extract_fields`` /
``@unpack_fields``) is a node whose one dependency is the frame (or dict) it was taken from.
:func:`column_lineage` follows a column back through that frame to the external inputs and
config values it was computed from, and names every function on the way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dataflow.graph import Graph, topological_order, upstream_of
from dataflow.lineage.select import check_known
from dataflow.node import DECORATOR_TAG, NodeRole, type_name

EXTRACTING_DECORATORS = ("extract_columns", "extract_fields", "unpack_fields")


@dataclass(frozen=True)
class ColumnLineage:
    """Where one column (any node) comes from.

    ``extracted_from`` is the frame node the column was extracted from (``None`` when the node
    is not an extracted column); ``inputs`` and ``config`` are the external values it depends
    on; ``nodes`` is every node of its upstream closure in dependency order (the column last),
    and ``edges`` the ``(producer, consumer)`` pairs among them.
    """

    column: str
    type: str
    extracted_from: str | None
    decorator: str | None
    inputs: tuple[str, ...]
    config: tuple[str, ...]
    functions: tuple[str, ...]
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "column": self.column, "type": self.type, "extracted_from": self.extracted_from,
            "decorator": self.decorator, "inputs": list(self.inputs),
            "config": list(self.config), "functions": list(self.functions),
            "nodes": list(self.nodes), "edges": [list(e) for e in self.edges],
        }

    def __str__(self) -> str:
        head = f"{self.column}: {self.type}"
        if self.extracted_from:
            head += f"  (column of {self.extracted_from!r}, @{self.decorator})"
        lines = [head, "  computed by: " + (", ".join(self.functions) or "-"),
                 "  from inputs: " + (", ".join(self.inputs) or "-")]
        if self.config:
            lines.append("  config used: " + ", ".join(self.config))
        return "\n".join(lines)


def extracted_from(graph: Graph, name: str) -> tuple[str | None, str | None]:
    """``(frame node, decorator name)`` when ``name`` was extracted from another node."""
    node = graph.nodes[name]
    decorator = node.tags.get(DECORATOR_TAG)
    if decorator in EXTRACTING_DECORATORS and node.dependencies:
        return node.dependencies[0].name, str(decorator)
    return None, None


def column_lineage(graph: Graph, column: str) -> ColumnLineage:
    """The lineage of ``column`` back to the external inputs it came from.

    >>> from dataflow.graph import build_graph
    >>> from dataflow.node import DECORATOR_TAG, Dependency, Node
    >>> frame = Node("frame", object, dependencies=(Dependency("raw", object),))
    >>> col = Node("a", object, dependencies=(Dependency("frame", object),),
    ...            tags={DECORATOR_TAG: "extract_columns"})
    >>> lineage = column_lineage(build_graph([("m", [frame, col])]), "a")
    >>> lineage.extracted_from, lineage.inputs
    ('frame', ('raw',))
    """
    check_known(graph, [column], what="column")
    closure = upstream_of(graph, [column])
    order = topological_order(graph, closure)
    nodes = graph.nodes
    frame, decorator = extracted_from(graph, column)
    edges = tuple((d.name, n) for n in order for d in nodes[n].dependencies if d.name in closure)
    return ColumnLineage(
        column=column,
        type=type_name(nodes[column].type),
        extracted_from=frame,
        decorator=decorator,
        inputs=tuple(n for n in order if nodes[n].role is NodeRole.INPUT),
        config=tuple(n for n in order if nodes[n].role is NodeRole.CONFIG),
        functions=tuple(n for n in order if nodes[n].role is NodeRole.FUNCTION),
        nodes=tuple(order),
        edges=edges,
    )


def extracted_columns(graph: Graph) -> Mapping[str, tuple[str, ...]]:
    """``frame node -> the columns extracted from it`` for every extracting decorator."""
    found: dict[str, list[str]] = {}
    for name in graph.nodes:
        frame, _ = extracted_from(graph, name)
        if frame is not None:
            found.setdefault(frame, []).append(name)
    return {frame: tuple(cols) for frame, cols in found.items()}
