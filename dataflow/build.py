"""Stages 1-3 together: modules + config → a validated :class:`~dataflow.graph.Graph`."""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from typing import Any

from dataflow.graph import EdgeCheck, ExcludedFunction, Graph, build_graph
from dataflow.plan import without_collection
from dataflow.resolve import Exclusion, nodes_of_modules
from dataflow.signatures import shared_annotation_cache

__all__ = ["graph_from_modules", "nodes_of_modules"]


def graph_from_modules(
    modules: Sequence[types.ModuleType],
    config: Mapping[str, Any] | None = None,
    allow_module_overrides: bool = False,
    edge_checks: Sequence[EdgeCheck] = (),
) -> Graph:
    """Collect the functions of ``modules``, resolve them under ``config`` and build the graph.
    Functions that config switched off are kept in :attr:`Graph.excluded`, so that a request
    for their node can say why it is absent. ``edge_checks`` may accept edges the built-in
    type rule refuses (see :data:`dataflow.graph.EdgeCheck`).

    >>> from dataflow import ad_hoc_utils
    >>> def a() -> int: return 1
    >>> def b(a: int) -> int: return a + 1
    >>> sorted(graph_from_modules([ad_hoc_utils.create_temporary_module(a, b)]).nodes)
    ['a', 'b']
    """
    config = dict(config or {})
    for module in modules:
        if not isinstance(module, types.ModuleType):
            raise TypeError(
                f"Expected modules of functions, got {type(module).__name__} {module!r}. Use "
                "ad_hoc_utils.create_temporary_module(*functions) for loose functions."
            )
    excluded: list[Exclusion] = []
    # a build allocates many small, long-lived objects and no cyclic garbage
    with without_collection(), shared_annotation_cache():
        nodes = nodes_of_modules(modules, config, excluded)
        return build_graph(nodes, config, allow_module_overrides, edge_checks=edge_checks,
                           excluded=[ExcludedFunction(*e) for e in excluded])
