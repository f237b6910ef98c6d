"""A graph hook written for Apache Hamilton 1.90 (``hamilton`` imports), as a user would write
one: it reads most of what ``HamiltonGraph`` / ``HamiltonNode`` offer at every graph-level
moment and records plain answers. ``test_graph_types_vs_hamilton.py`` loads it as written for
Hamilton and ported to dataflow (import root changed, nothing else) and compares the records.
"""

from __future__ import annotations

from typing import Any

from hamilton import graph_types
from hamilton.lifecycle import api


def _function_names(functions: Any) -> Any:
    if functions is None:
        return None
    return tuple(getattr(f, "__qualname__", repr(f)) for f in functions)


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__qualname__", None) or repr(annotation)


def describe_node(node: graph_types.HamiltonNode) -> dict[str, Any]:
    """What a tracker reads of a node (plain values; functions by name)."""
    described = node.as_dict(include_optional_dependencies_default_values=True)
    return {
        "repr": repr(node),
        "type": _type_name(node.type),
        "tags": dict(node.tags),
        "is_external_input": node.is_external_input,
        "originating_functions": _function_names(node.originating_functions),
        "documentation": node.documentation,
        "required_dependencies": sorted(node.required_dependencies),
        "optional_dependencies": sorted(node.optional_dependencies),
        "dependency_types": (type(node.required_dependencies).__name__,
                             type(node.optional_dependencies).__name__),
        "optional_dependencies_default_values": list(
            node.optional_dependencies_default_values.items()),
        "version": node.version,
        "as_dict": {k: v for k, v in described.items() if k not in ("tags", "documentation")},
    }


def describe_graph(graph: graph_types.HamiltonGraph) -> dict[str, Any]:
    """What a tracker reads of the graph."""
    names = [n.name for n in graph.nodes]
    try:
        graph["no such node"]
        missing = "found"
    except KeyError:
        missing = "KeyError"
    return {
        "class": type(graph).__name__,
        "node_class": {type(n).__name__ for n in graph.nodes},
        "version": graph.version,
        "names": sorted(names),
        "unique": len(names) == len(set(names)),
        "lookup": all(graph[n.name] is n for n in graph.nodes),
        "missing": missing,
        "external": sorted(n.name for n in graph.filter_nodes(lambda n: n.is_external_input)),
        "truthy_filter": [n.name for n in graph.filter_nodes(lambda n: 1)],  # not ``True``
        "nodes": {n.name: describe_node(n) for n in graph.nodes},
    }


class GraphRecorder(api.GraphConstructionHook, api.GraphExecutionHook, api.StaticValidator):
    """Records each graph-level call: the moment, its arguments, and the graph as read."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.validated: dict[str, Any] = {}  # each node as the node validator read it

    def run_to_validate_node(self, *, node: graph_types.HamiltonNode,
                             **future_kwargs: Any) -> tuple[bool, str | None]:
        self.validated[node.name] = describe_node(node)
        return True, None

    def run_to_validate_graph(self, graph: graph_types.HamiltonGraph,
                              **future_kwargs: Any) -> tuple[bool, str | None]:
        self.calls.append(("validate", {"graph": describe_graph(graph)}))
        return True, None

    def run_after_graph_construction(self, *, graph: graph_types.HamiltonGraph,
                                     config: dict[str, Any], **future_kwargs: Any) -> None:
        self.calls.append(("constructed", {"graph": describe_graph(graph),
                                           "config": sorted(config)}))

    def run_before_graph_execution(self, *, graph: graph_types.HamiltonGraph,
                                   final_vars: list[str], inputs: dict[str, Any],
                                   overrides: dict[str, Any], execution_path: list[str],
                                   run_id: str, **future_kwargs: Any) -> None:
        self.calls.append(("before", {
            "graph": describe_graph(graph), "final_vars": list(final_vars),
            "inputs": sorted(inputs or {}), "overrides": sorted(overrides or {}),
            "given": (type(inputs).__name__, type(overrides).__name__),
            "execution_path": sorted(execution_path), "run_id": type(run_id).__name__}))

    def run_after_graph_execution(self, *, graph: graph_types.HamiltonGraph, success: bool,
                                  error: BaseException | None, results: dict[str, Any] | None,
                                  run_id: str, **future_kwargs: Any) -> None:
        self.calls.append(("after", {
            "graph": describe_graph(graph), "success": success,
            "error": type(error).__name__, "results": sorted(results or {}),
            "run_id": type(run_id).__name__}))
