"""DOT building: a set of nodes (+ how to mark some of them) → a styled ``graphviz.Digraph``.

Pure text building: nothing here runs the ``dot`` program (see :mod:`.output`), so the DOT of
a picture is deterministic and testable (node order follows the order nodes are given in).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import graphviz

from dataflow.lineage import styles
from dataflow.lineage.errors import LineageError
from dataflow.node import DECORATOR_TAG, Node, NodeRole, Origin, type_name
from dataflow.variables import Variable

ORIENTATIONS = ("LR", "TB", "BT", "RL")
SCHEMA_TAG = "hamilton.internal.schema_output"
"""Tag holding a node's schema, the one ``@schema.output`` writes (Hamilton's key, value
``"name=type,name=type"``; a mapping ``column -> type`` or a sequence of column names is read
too); ``show_schema`` lists it under the node's name. Spelled here rather than imported from
:mod:`dataflow.function_modifiers.metadata`, which would import pandas with every picture; a
test keeps the two equal."""

CustomStyle = Callable[..., Any]


@dataclass(frozen=True)
class ViewOptions:
    """The drawing options every ``display_*`` / ``visualize_*`` method shares."""

    orient: str = "LR"
    show_legend: bool = True
    hide_inputs: bool = False
    deduplicate_inputs: bool = False
    show_schema: bool = True
    show_types: bool = True
    custom_style_function: CustomStyle | None = None
    graphviz_kwargs: Mapping[str, Any] | None = None
    mark_elided: bool = False
    """Label nodes whose dependencies are not drawn with how many are hidden (max_hops)."""
    title: str | None = None

    def __post_init__(self) -> None:
        if self.orient not in ORIENTATIONS:
            raise LineageError(
                f"orient={self.orient!r} is not a graphviz direction; use one of "
                f"{', '.join(ORIENTATIONS)} (LR = left to right, TB = top to bottom)."
            )
        if self.custom_style_function is not None and not callable(self.custom_style_function):
            raise LineageError(
                "custom_style_function must be a function "
                "f(*, node, node_class) -> (style_dict, node_class, legend_name); got "
                f"{self.custom_style_function!r}."
            )
        if self.graphviz_kwargs is not None and not isinstance(self.graphviz_kwargs, Mapping):
            raise LineageError(
                "graphviz_kwargs must be a dict of graphviz.Digraph arguments, e.g. "
                f"dict(graph_attr={{'ratio': '1'}}); got {self.graphviz_kwargs!r}."
            )


@dataclass
class _Legend:
    entries: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)

    def add(self, key: str, text: str, attrs: dict[str, str]) -> None:
        self.entries.setdefault(key, (text, attrs))


def lineage_digraph(
    nodes: Iterable[Node],
    *,
    marks: Mapping[str, str] | None = None,
    options: ViewOptions | None = None,
) -> graphviz.Digraph:
    """A styled digraph of ``nodes`` and the edges among them.

    ``marks`` gives some nodes an explicit class (``"override"``, ``"skipped"``, ``"added"``,
    ...) that wins over their role and decorator, or an emphasis drawn on top of their own class
    (``"output"``: see :data:`~dataflow.lineage.styles.EMPHASES`).

    >>> from dataflow.node import Dependency, Node, NodeRole
    >>> dot = lineage_digraph([Node("x", int, role=NodeRole.INPUT),
    ...                        Node("y", int, dependencies=(Dependency("x", int),))])
    >>> 'x -> y' in dot.source
    True
    """
    options = options or ViewOptions()
    marks = marks or {}
    drawn = {n.name: n for n in nodes}
    if options.hide_inputs:
        drawn = {k: n for k, n in drawn.items()
                 if n.role is NodeRole.FUNCTION or marks.get(k) == "output"}
    digraph = _empty_digraph(options)
    legend = _Legend()
    groups = _input_groups(drawn) if options.deduplicate_inputs else {}
    clusters: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for node in drawn.values():
        if node.name in groups:
            continue
        mark = marks.get(node.name)
        emphasis = styles.EMPHASES.get(mark) if mark else None
        node_class = styles.base_class(node) if mark is None or emphasis else mark
        attrs = _node_attrs(node, node_class, options, drawn, legend)
        if mark and emphasis:
            attrs.update(emphasis)
            swatch = styles.style_of(mark)
            legend.add(mark, swatch.legend, swatch.attrs())
        namespace = _subdag_namespace(node)
        if namespace is None:
            digraph.node(node.name, **attrs)
        else:
            clusters.setdefault(namespace, []).append((node.name, attrs))
    for namespace, members in clusters.items():
        with digraph.subgraph(name=f"cluster_{namespace}") as cluster:
            cluster.attr(label=namespace, style="rounded,dashed", color="#5a8a3a",
                         fontcolor="#5a8a3a", fontname=styles.FONT, fontsize="11")
            for name, attrs in members:
                cluster.node(name, **attrs)
    group_ids = _draw_input_groups(digraph, groups, drawn, options, legend)
    for node in drawn.values():
        if node.name in groups:
            continue
        for dep in node.dependencies:
            source = group_ids.get(dep.name, dep.name if dep.name in drawn else None)
            if source is None:
                continue
            if dep.optional:
                digraph.edge(source, node.name, style="dashed", tooltip="optional")
            else:
                digraph.edge(source, node.name)
    if options.show_legend and legend.entries:
        _draw_legend(digraph, legend)
    return digraph


def _empty_digraph(options: ViewOptions) -> graphviz.Digraph:
    kwargs = dict(options.graphviz_kwargs or {})
    graph_attr = {**styles.GRAPH_ATTR, "rankdir": options.orient,
                  **dict(kwargs.pop("graph_attr", None) or {})}
    if options.title:
        graph_attr.setdefault("label", options.title)
        graph_attr.setdefault("labelloc", "t")
    node_attr = {**styles.NODE_ATTR, **dict(kwargs.pop("node_attr", None) or {})}
    edge_attr = {**styles.EDGE_ATTR, **dict(kwargs.pop("edge_attr", None) or {})}
    kwargs.setdefault("name", "dataflow")
    try:
        return graphviz.Digraph(graph_attr=graph_attr, node_attr=node_attr, edge_attr=edge_attr,
                                **kwargs)
    except TypeError as error:
        raise LineageError(
            f"graphviz_kwargs holds an argument graphviz.Digraph does not take ({error}). "
            "Pass graph_attr / node_attr / edge_attr dicts, or name, comment, engine, strict."
        ) from None


def _node_attrs(node: Node, node_class: str, options: ViewOptions, drawn: Mapping[str, Node],
                legend: _Legend) -> dict[str, str]:
    style = styles.style_of(node_class)
    attrs = style.attrs()
    legend_key, legend_text = node_class, style.legend
    if options.custom_style_function is not None:
        custom, new_class, legend_name = _custom_style(options.custom_style_function, node,
                                                       node_class)
        if new_class and new_class != node_class:
            attrs = styles.style_of(new_class).attrs()
            legend_key, legend_text = new_class, styles.style_of(new_class).legend
        attrs.update(custom)
        if legend_name:
            legend_key, legend_text = f"custom:{legend_name}", str(legend_name)
    legend.add(legend_key, legend_text, dict(attrs))
    elided = 0
    if options.mark_elided:
        elided = sum(1 for d in node.dependencies if d.name not in drawn)
    namespace = _subdag_namespace(node)
    shown_name = node.name if namespace is None else node.name[len(namespace) + 1:]
    attrs["label"] = _label(node, shown_name, options, elided)
    attrs["tooltip"] = _tooltip(node)
    return attrs


def _custom_style(function: CustomStyle, node: Node,
                  node_class: str) -> tuple[dict[str, str], str | None, str | None]:
    try:
        result = function(node=Variable.from_node(node), node_class=node_class)
    except TypeError as error:
        raise LineageError(
            f"custom_style_function {getattr(function, '__qualname__', function)!r} failed on "
            f"node {node.name!r}: {error}. It is called as f(*, node, node_class)."
        ) from error
    if isinstance(result, Mapping):
        return {str(k): str(v) for k, v in result.items()}, None, None
    if (isinstance(result, tuple) and len(result) == 3 and isinstance(result[0], Mapping)):
        style, new_class, legend_name = result
        return {str(k): str(v) for k, v in style.items()}, new_class, legend_name
    raise LineageError(
        f"custom_style_function returned {result!r} for node {node.name!r}; return "
        "(style_dict, node_class, legend_name) - e.g. ({'fillcolor': 'aquamarine'}, node_class, "
        "'my tag') - or just a style dict."
    )


def _label(node: Node, shown_name: str, options: ViewOptions, elided: int) -> str:
    """The name (the part after the namespace inside a subdag cluster), short type, schema."""
    name = html.escape(shown_name)
    rows = [f"<b>{name}</b>" if node.role is NodeRole.FUNCTION else f"<i>{name}</i>"]
    if options.show_types:
        rows.append(_small(type_name(node.type)))
    if options.show_schema and SCHEMA_TAG in node.tags:
        rows.extend(_small(line) for line in _schema_lines(node.tags[SCHEMA_TAG]))
    if elided:
        rows.append(_small(f"+{elided} upstream not shown"))
    return "<" + "<br/>".join(rows) + ">"


def _small(text: str) -> str:
    return f'<font point-size="10" color="{styles.MUTED_TEXT}">{html.escape(text)}</font>'


def _schema_lines(schema: Any) -> list[str]:
    """One ``column: type`` line per field of a schema tag."""
    if isinstance(schema, str):
        fields = [field.strip() for field in schema.split(",") if field.strip()]
        return [": ".join(part.strip() for part in field.split("=", 1)) for field in fields]
    if isinstance(schema, Mapping):
        return [f"{col}: {type_name(kind) if not isinstance(kind, str) else kind}"
                for col, kind in schema.items()]
    if isinstance(schema, (list, tuple)):
        return [str(col) for col in schema]
    return [str(schema)]


def _tooltip(node: Node) -> str:
    parts = [f"{node.name}: {type_name(node.type)}"]
    if node.doc:
        parts.append(node.doc.strip())
    if node.origin is not None:
        parts.append(f"{node.origin.function} - {project_path(node.origin)}:{node.origin.line}")
    else:
        parts.append(f"<{node.role.value}>")
    decorator = node.tags.get(DECORATOR_TAG)
    if decorator:
        parts.append(f"generated by @{decorator}")
    return "\n".join(parts).replace("\\", "\\\\").replace("\n", "\\n")


def project_path(origin: Origin) -> str:
    """The file of ``origin`` relative to the directory its module is imported from, so a
    picture shows ``examples/demand_forecasting/price_features.py`` and not where the author's
    clone happens to live. The module comes from the qualified function name; a file that does
    not match it shows its name only. Non-file sources (``<string>``) are kept as they are.

    >>> project_path(Origin("shop.prices.gross", "/home/ann/repo/shop/prices.py", 3))
    'shop/prices.py'
    >>> project_path(Origin("notebook_cell.f", "/tmp/ipykernel_1/123.py", 1))
    '123.py'
    """
    file = PurePath(origin.file)
    if not file.is_absolute():
        return origin.file
    parts = origin.function.split(".")
    for end in range(len(parts) - 1, 0, -1):
        module = parts[:end]
        for tail in ((*module[:-1], f"{module[-1]}.py"), (*module, "__init__.py")):
            if file.parts[-len(tail):] == tail:
                return "/".join(tail)
    return file.name


def _subdag_namespace(node: Node) -> str | None:
    if node.tags.get(DECORATOR_TAG) in styles.NAMESPACED_DECORATORS and "." in node.name:
        return node.name.rsplit(".", 1)[0]
    return None


def _input_groups(drawn: Mapping[str, Node]) -> dict[str, tuple[str, ...]]:
    """External inputs that feed exactly the same drawn nodes, grouped (only groups of 2+)."""
    consumers: dict[str, list[str]] = {}
    for node in drawn.values():
        for dep in node.dependencies:
            producer = drawn.get(dep.name)
            if producer is not None and producer.role is NodeRole.INPUT:
                consumers.setdefault(dep.name, []).append(node.name)
    by_consumers: dict[tuple[str, ...], list[str]] = {}
    for name, users in consumers.items():
        by_consumers.setdefault(tuple(sorted(set(users))), []).append(name)
    groups: dict[str, tuple[str, ...]] = {}
    for members in by_consumers.values():
        if len(members) > 1:
            for member in members:
                groups[member] = tuple(members)
    return groups


def _draw_input_groups(digraph: graphviz.Digraph, groups: Mapping[str, tuple[str, ...]],
                       drawn: Mapping[str, Node], options: ViewOptions,
                       legend: _Legend) -> dict[str, str]:
    ids: dict[str, str] = {}
    for members in dict.fromkeys(groups.values()):
        group_id = "inputs: " + ", ".join(members)
        rows = [f"<i>{html.escape(m)}</i>" + (
            " " + _small(type_name(drawn[m].type)) if options.show_types else "")
            for m in members]
        style = styles.style_of("input")
        legend.add("input", style.legend, style.attrs())
        tooltip = "\\n".join(f"{m}: {type_name(drawn[m].type)}" for m in members)
        digraph.node(group_id, label="<" + "<br/>".join(rows) + ">", tooltip=tooltip,
                     **style.attrs())
        for member in members:
            ids[member] = group_id
    return ids


def _draw_legend(digraph: graphviz.Digraph, legend: _Legend) -> None:
    order = {name: index for index, name in enumerate(styles.STYLES)}
    keys = sorted(legend.entries, key=lambda k: (order.get(k, len(order)), k))
    with digraph.subgraph(name="cluster__legend") as box:
        box.attr(label="Legend", style="rounded", color="#cbd2d9", fontname=styles.FONT,
                 fontsize="11", fontcolor=styles.MUTED_TEXT)
        for key in keys:
            text, attrs = legend.entries[key]
            box.node(f"_legend_{key}", label=html.escape(text), tooltip=text, fontsize="10",
                     height="0.3", margin="0.12,0.04",
                     **{k: v for k, v in attrs.items() if k not in ("label", "tooltip")})


def ordered(nodes: Mapping[str, Node], names: Iterable[str]) -> list[Node]:
    """The nodes named in ``names``, in the graph's own order (stable pictures)."""
    wanted = set(names)
    return [node for name, node in nodes.items() if name in wanted]


__all__: Sequence[str] = ("ORIENTATIONS", "SCHEMA_TAG", "ViewOptions", "lineage_digraph", "ordered",
                          "project_path")
