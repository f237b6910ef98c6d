"""The module-level view: one box per module, edges between modules.

A 4,000-node feature graph is unreadable node by node; grouped by the ``module`` tag every
function node carries, it becomes a handful of boxes, each saying how many nodes it holds
(and how many a decorator generated), with edges labelled by how many node-level edges they
stand for. External inputs and config values form one box each.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping

import graphviz

from dataflow.graph import Graph
from dataflow.lineage import styles
from dataflow.lineage.render import ViewOptions
from dataflow.node import DECORATOR_TAG, MODULE_TAG, Node, NodeRole

INPUTS_BOX = "(inputs)"
CONFIG_BOX = "(config)"


def module_of(node: Node) -> str:
    """The box a node belongs to in the module view."""
    if node.role is NodeRole.INPUT:
        return INPUTS_BOX
    if node.role is NodeRole.CONFIG:
        return CONFIG_BOX
    module = node.tags.get(MODULE_TAG)
    if module is None and node.originating_functions:  # plumbing nodes (with_columns, subdag
        module = getattr(node.originating_functions[0], "__module__", None)  # inputs) untagged
    return str(module) if module is not None else "(no module)"


def module_edges(graph: Graph) -> Counter[tuple[str, str]]:
    """``(from module, to module) -> number of node-level edges`` (edges inside a module are
    not counted)."""
    edges: Counter[tuple[str, str]] = Counter()
    for node in graph.nodes.values():
        target = module_of(node)
        for dep in node.dependencies:
            source = module_of(graph.nodes[dep.name])
            if source != target:
                edges[(source, target)] += 1
    return edges


def module_counts(graph: Graph) -> dict[str, Counter[str]]:
    """``module -> Counter`` of its nodes: ``"nodes"`` plus one key per decorator name."""
    counts: dict[str, Counter[str]] = {}
    for node in graph.nodes.values():
        counter = counts.setdefault(module_of(node), Counter())
        counter["nodes"] += 1
        decorator = node.tags.get(DECORATOR_TAG)
        if decorator:
            counter[f"@{decorator}"] += 1
    return counts


def modules_digraph(graph: Graph, options: ViewOptions | None = None,
                    hide_inputs: bool | None = None) -> graphviz.Digraph:
    """One box per module (with node counts), edges labelled with node-edge counts.

    >>> from dataflow import ad_hoc_utils
    >>> from dataflow.build import graph_from_modules
    >>> def a(x: int) -> int: return x
    >>> g = graph_from_modules([ad_hoc_utils.create_temporary_module(a)])
    >>> '"(inputs)" ->' in modules_digraph(g).source
    True
    """
    options = options or ViewOptions()
    hide = options.hide_inputs if hide_inputs is None else hide_inputs
    kwargs = dict(options.graphviz_kwargs or {})
    graph_attr = {**styles.GRAPH_ATTR, "rankdir": options.orient, "ranksep": "0.9",
                  **dict(kwargs.pop("graph_attr", None) or {})}
    digraph = graphviz.Digraph(
        name=kwargs.pop("name", "modules"), graph_attr=graph_attr,
        node_attr={**styles.NODE_ATTR, **dict(kwargs.pop("node_attr", None) or {})},
        edge_attr={**styles.EDGE_ATTR, "fontname": styles.FONT, "fontsize": "10",
                   "fontcolor": styles.MUTED_TEXT, **dict(kwargs.pop("edge_attr", None) or {})},
        **kwargs,
    )
    skipped = {INPUTS_BOX, CONFIG_BOX} if hide else set()
    members: dict[str, list[str]] = {}
    for node in graph.nodes.values():
        members.setdefault(module_of(node), []).append(node.name)
    for module, counter in module_counts(graph).items():
        if module in skipped:
            continue
        style = styles.style_of({INPUTS_BOX: "input", CONFIG_BOX: "config"}.get(module, "module"))
        detail = [f"{counter['nodes']} nodes"] + [
            f"{count} {name}" for name, count in sorted(counter.items()) if name != "nodes"]
        label = (f"<<b>{html.escape(module)}</b><br/>" + "<br/>".join(
            f'<font point-size="10" color="{styles.MUTED_TEXT}">{html.escape(d)}</font>'
            for d in detail) + ">")
        names = members[module]
        tooltip = ", ".join(names[:30]) + (f", ... ({len(names) - 30} more)"
                                           if len(names) > 30 else "")
        digraph.node(module, label=label, tooltip=tooltip, **style.attrs())
    widest = max(module_edges(graph).values(), default=1)
    for (source, target), count in sorted(module_edges(graph).items()):
        if source in skipped or target in skipped:
            continue
        width = 1.0 + 3.0 * count / widest
        digraph.edge(source, target, label=str(count), penwidth=f"{width:.1f}",
                     tooltip=f"{count} edge(s) from {source} to {target}")
    return digraph


def node_counts_by_module(graph: Graph) -> Mapping[str, int]:
    """``module -> number of nodes`` (for ``dataflow ls`` summaries and tests)."""
    return {module: counter["nodes"] for module, counter in module_counts(graph).items()}
