"""The pictures the driver offers: whole graph, an execution, around nodes, a path.

Each function takes a :class:`~dataflow.graph.Graph` (and a plan where it matters), decides
which nodes to draw and how to mark them, and returns a ``graphviz.Digraph``; writing files
is :mod:`.output`'s job.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace

import graphviz

from dataflow.graph import Graph, upstream_of
from dataflow.lineage import select
from dataflow.lineage.render import ViewOptions, lineage_digraph, ordered
from dataflow.plan import Plan


def all_functions(graph: Graph, options: ViewOptions) -> graphviz.Digraph:
    """Every node of the graph."""
    return lineage_digraph(graph.nodes.values(), options=options)


def execution(graph: Graph, plan: Plan, overrides: Collection[str],
              options: ViewOptions) -> graphviz.Digraph:
    """What a request runs: the plan's steps, the values it reads (inputs, overrides, config)
    and, greyed out, the nodes an override cut off. Requested outputs are marked."""
    run = {step.name for step in plan.steps}
    read = set(plan.provided_used) | set(plan.config_used)
    requested = set(plan.outputs)
    overridden = [name for name in plan.provided_used if name in overrides]
    cut_off = (upstream_of(graph, overridden) if overridden else set()) - run - read - requested
    marks: dict[str, str] = dict.fromkeys(cut_off, "skipped")
    marks.update(dict.fromkeys(overridden, "override"))
    marks.update(dict.fromkeys(requested, "output"))
    shown = run | read | requested | cut_off
    return lineage_digraph(ordered(graph.nodes, shown), marks=marks, options=options)


def upstream(graph: Graph, names: Sequence[str], max_hops: int | None,
             options: ViewOptions) -> graphviz.Digraph:
    """The named nodes and what they depend on (up to ``max_hops`` edges away)."""
    shown = select.within_hops(graph, names, max_hops, upstream=True)
    return _around(graph, names, shown, max_hops, options)


def downstream(graph: Graph, names: Sequence[str], max_hops: int | None,
               options: ViewOptions) -> graphviz.Digraph:
    """The named nodes, what depends on them, and what those read directly."""
    shown = select.within_hops(graph, names, max_hops, upstream=False, downstream=True)
    shown = select.with_direct_dependencies(graph, shown)
    return _around(graph, names, shown, max_hops, options)


def neighbourhood(graph: Graph, names: Sequence[str], max_hops: int,
                  options: ViewOptions) -> graphviz.Digraph:
    """Everything within ``max_hops`` edges of the named nodes, both directions."""
    shown = select.within_hops(graph, names, max_hops, upstream=True, downstream=True)
    return _around(graph, names, shown, max_hops, options)


def _around(graph: Graph, names: Iterable[str], shown: set[str], max_hops: int | None,
            options: ViewOptions) -> graphviz.Digraph:
    if max_hops is not None and not options.mark_elided:
        options = replace(options, mark_elided=True)
    return lineage_digraph(ordered(graph.nodes, shown), options=options)


def path(graph: Graph, upstream_name: str, downstream_name: str, strict: bool,
         options: ViewOptions) -> graphviz.Digraph:
    """The nodes on the paths between two nodes (plus what they read, unless ``strict``)."""
    shown = select.path_nodes(graph, upstream_name, downstream_name, strict)
    return lineage_digraph(ordered(graph.nodes, shown), options=options)
