"""How each kind of node looks: one calm palette, one font, rounded boxes.

Every node of a picture gets a *node class* (``"function"``, ``"input"``, ``"override"``,
``"extract_columns"``, ...) and possibly an emphasis (``"output"``, see :data:`EMPHASES`). The
class picks the style and the legend entry; a legend lists only the classes present in the
picture. Decorator-generated nodes are classed by the value of their
:data:`dataflow.node.DECORATOR_TAG` tag.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dataflow.node import DECORATOR_TAG, Node, NodeRole

FONT = "Helvetica"
EDGE_COLOUR = "#8a94a6"
TEXT_COLOUR = "#1f2933"
MUTED_TEXT = "#52606d"

GRAPH_ATTR = {
    "fontname": FONT, "fontsize": "12", "bgcolor": "white", "pad": "0.3",
    "nodesep": "0.35", "ranksep": "0.55", "newrank": "true",
}
NODE_ATTR = {
    "fontname": FONT, "fontsize": "12", "fontcolor": TEXT_COLOUR, "shape": "box",
    "style": "rounded,filled", "penwidth": "1.2", "margin": "0.18,0.07", "height": "0.4",
}
EDGE_ATTR = {"color": EDGE_COLOUR, "arrowsize": "0.7", "penwidth": "1.1"}


@dataclass(frozen=True, slots=True)
class Style:
    """Graphviz node attributes for one node class, and its legend text."""

    legend: str
    fill: str
    border: str
    style: str = "rounded,filled"
    shape: str = "box"
    penwidth: str = "1.2"
    fontcolor: str = TEXT_COLOUR

    def attrs(self) -> dict[str, str]:
        return {"fillcolor": self.fill, "color": self.border, "style": self.style,
                "shape": self.shape, "penwidth": self.penwidth, "fontcolor": self.fontcolor}


STYLES: Mapping[str, Style] = {
    "function": Style("function", "#e8f1fb", "#3b6ea8"),
    "input": Style("input", "#ffffff", "#6b7280", style="rounded,dashed,filled"),
    "config": Style("config", "#fff4d6", "#b7791f", shape="note", style="filled"),
    "output": Style("requested output", "#ffffff", "#2f855a", penwidth="2.8"),
    "override": Style("override (value supplied)", "#fde2e1", "#c53030",
                      style="rounded,dashed,filled", penwidth="1.8"),
    "skipped": Style("not run (cut off by an override)", "#f3f4f6", "#b8c0cc",
                     style="rounded,dotted,filled", fontcolor="#7b8794"),
    "extract_columns": Style("@extract_columns column", "#ece6f8", "#6b46c1"),
    "extract_fields": Style("@extract_fields field", "#ece6f8", "#805ad5"),
    "unpack_fields": Style("@unpack_fields field", "#ece6f8", "#9f7aea"),
    "parameterize": Style("@parameterize", "#e0f2f1", "#2c7a7b"),
    "check_output": Style("@check_output validator", "#fff0e0", "#c05621",
                          style="filled,diagonals"),
    "pipe_input": Style("@pipe_input step", "#edf2f7", "#4a5568", style="filled"),
    "pipe_output": Style("@pipe_output step", "#edf2f7", "#4a5568", style="filled"),
    "mutate": Style("@mutate step", "#edf2f7", "#2d3748", style="filled"),
    "pipe": Style("@pipe step", "#edf2f7", "#4a5568", style="filled"),
    "subdag": Style("@subdag node", "#eef6e8", "#5a8a3a"),
    "parameterized_subdag": Style("@parameterized_subdag node", "#eef6e8", "#5a8a3a"),
    "with_columns": Style("@with_columns", "#fce7f3", "#b83280"),
    "does": Style("@does", "#eef0ff", "#4c51bf"),
    "inject": Style("@inject", "#f7f3e3", "#8d7b3a"),
    "loader": Style("loads data (from_, @load_from, @dataloader)", "#e6fffa", "#2c7a7b",
                    shape="cylinder", style="filled"),
    "saver": Style("saves data (to, @save_to, @datasaver)", "#fefcbf", "#b7791f",
                   shape="cylinder", style="filled"),
    "decorator": Style("other decorator", "#f1f5f9", "#475569"),
    "added": Style("added", "#d7f0dd", "#2f855a", penwidth="2.2"),
    "removed": Style("removed", "#fde2e1", "#c53030", style="rounded,dashed,filled",
                     penwidth="2.2"),
    "changed": Style("changed", "#fff4d6", "#d69e2e", penwidth="2.2"),
    "module": Style("module", "#e8f1fb", "#3b6ea8"),
}
"""Every built-in node class. Decorator names not listed here use ``"decorator"``."""

EMPHASES: Mapping[str, Mapping[str, str]] = {
    "output": {"color": "#2f855a", "penwidth": "2.8"},
}
"""Marks drawn on top of a node's own class instead of replacing it: a requested output keeps
the fill and line style of what it is (a function, an ``@extract_columns`` column, an input)
and gains a thick green border. Other marks (``override``, ``skipped``, diff marks) replace the
class, since they change what the node is in that picture."""

MATERIALIZER_TAG = "dataflow.materializer"
"""Set to ``"loader"`` / ``"saver"`` by :mod:`dataflow.io` on the nodes that load and save."""

NAMESPACED_DECORATORS = ("subdag", "parameterized_subdag", "with_columns")
"""Decorators whose ``namespace.node`` names are drawn as one graphviz cluster per namespace."""

def base_class(node: Node) -> str:
    """The class a node has by itself: its role, else loader / saver (the
    ``dataflow.materializer`` tag), else its decorator, else ``"function"``."""
    if node.role is NodeRole.INPUT:
        return "input"
    if node.role is NodeRole.CONFIG:
        return "config"
    materializer = node.tags.get(MATERIALIZER_TAG)
    if materializer in ("loader", "saver"):
        return str(materializer)
    decorator = node.tags.get(DECORATOR_TAG)
    if decorator is None:
        return "function"
    name = str(decorator)
    return name if name in STYLES else "decorator"


def style_of(node_class: str) -> Style:
    return STYLES.get(node_class, STYLES["decorator"])
