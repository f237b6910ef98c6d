"""Hand-made graphs whose nodes carry the decorator tag, as decorators will generate them."""

from __future__ import annotations

from typing import Any

import pandas as pd

from dataflow.graph import Graph, build_graph
from dataflow.node import DECORATOR_TAG, MODULE_TAG, Dependency, Node, Origin


def fn_node(name: str, deps: tuple[str, ...] = (), decorator: str | None = None,
            module: str = "features", type_: Any = pd.Series, line: int = 1,
            doc: str = "") -> Node:
    tags: dict[str, Any] = {MODULE_TAG: module}
    if decorator:
        tags[DECORATOR_TAG] = decorator
    return Node(name, type_, fn=lambda **kw: None,
                dependencies=tuple(Dependency(d, Any) for d in deps), tags=tags,
                doc=doc, origin=Origin(f"{module}.{name.split('.')[-1]}", f"{module}.py", line))


def decorated_graph() -> Graph:
    """One node per decorator style, plus a subdag namespace."""
    nodes = [
        fn_node("raw", ("path",), type_=pd.DataFrame, doc="Loads the raw table."),
        fn_node("spend", ("raw",), decorator="extract_columns"),
        fn_node("signups", ("raw",), decorator="extract_columns"),
        fn_node("spend_wk1", ("spend",), decorator="parameterize"),
        fn_node("spend_ok", ("spend",), decorator="check_output", type_=bool),
        fn_node("clean.with_fill", ("signups",), decorator="pipe_input"),
        fn_node("agg.total", ("spend_wk1",), decorator="subdag"),
        fn_node("agg.mean", ("agg.total",), decorator="subdag"),
        fn_node("report", ("agg.mean", "clean.with_fill", "threshold")),
    ]
    return build_graph([("features", nodes)], config={"threshold": 0.5})


def large_graph(modules: int = 20, per_module: int = 200) -> Graph:
    """A wide feature graph: ``modules * per_module`` nodes, each module reading the previous."""
    all_nodes = []
    for m in range(modules):
        nodes = []
        for i in range(per_module):
            deps: tuple[str, ...]
            if m == 0:
                deps = (f"input_{i % 10}",)
            else:
                deps = (f"m{m - 1}_f{i}", f"m{m - 1}_f{(i + 1) % per_module}")
            decorator = "extract_columns" if i % 4 == 0 else None
            nodes.append(fn_node(f"m{m}_f{i}", deps, decorator=decorator, module=f"mod_{m:02d}"))
        all_nodes.append((f"mod_{m:02d}", nodes))
    return build_graph(all_nodes)


def feature_store_graph() -> Graph:
    """About 4,000 nodes in six modules with a realistic fan-in / fan-out between them."""
    sizes = {"loaders": 40, "cleaning": 300, "marketing_features": 1200,
             "user_features": 1500, "seasonality": 400, "model_inputs": 550}
    reads = {"loaders": (), "cleaning": ("loaders",), "seasonality": ("cleaning",),
             "marketing_features": ("cleaning", "seasonality"),
             "user_features": ("cleaning",),
             "model_inputs": ("marketing_features", "user_features", "seasonality")}
    groups = []
    for module, size in sizes.items():
        nodes = []
        for i in range(size):
            sources = reads[module]
            if sources:
                deps = tuple(f"{src}_{(i * 7 + k) % sizes[src]}" for k, src in enumerate(sources))
            else:
                deps = (f"source_table_{i % 8}",)
            decorator = {"marketing_features": "extract_columns",
                         "user_features": "parameterize"}.get(module) if i % 3 else None
            nodes.append(fn_node(f"{module}_{i}", deps, decorator=decorator, module=module))
        groups.append((module, nodes))
    return build_graph(groups)
