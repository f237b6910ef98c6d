"""Column-level lineage and the module-level view of a large graph."""

from __future__ import annotations

import time

import pytest

from dataflow.graph import build_graph
from dataflow.lineage import LineageError, column_lineage, extracted_columns, write_picture
from dataflow.lineage.module_view import (
    INPUTS_BOX,
    module_edges,
    modules_digraph,
    node_counts_by_module,
)
from dataflow.lineage.render import ViewOptions
from dataflow.lineage.styles import STYLES

from .sample_graphs import decorated_graph, fn_node, large_graph
from .svg import svg_edges, svg_nodes


def test_column_lineage_of_an_extracted_column():
    lineage = column_lineage(decorated_graph(), "spend_wk1")
    assert lineage.extracted_from is None
    spend = column_lineage(decorated_graph(), "spend")
    assert spend.extracted_from == "raw" and spend.decorator == "extract_columns"
    assert spend.inputs == ("path",)
    assert spend.functions == ("raw", "spend")
    assert spend.nodes == ("path", "raw", "spend")
    assert spend.edges == (("path", "raw"), ("raw", "spend"))
    assert "column of 'raw', @extract_columns" in str(spend)
    assert spend.as_dict()["inputs"] == ["path"]


def test_column_lineage_reaches_config_and_all_inputs():
    lineage = column_lineage(decorated_graph(), "report")
    assert lineage.inputs == ("path",)
    assert lineage.config == ("threshold",)
    assert lineage.nodes[-1] == "report"
    assert set(lineage.functions) >= {"raw", "spend", "signups", "agg.mean", "clean.with_fill"}
    assert "spend_ok" not in lineage.nodes


def test_extracted_columns_lists_columns_per_frame():
    assert extracted_columns(decorated_graph()) == {"raw": ("spend", "signups")}


def test_column_lineage_of_unknown_column_suggests_names():
    with pytest.raises(LineageError, match=r"No node named 'spnd'.*Did you mean 'spend'"):
        column_lineage(decorated_graph(), "spnd")


def test_column_lineage_on_the_driver():
    from dataflow import driver

    from . import pipeline_module

    dr = driver.Builder().with_modules(pipeline_module).build()
    lineage = dr.column_lineage("spend_per_signup")
    assert lineage.inputs == ("raw",)
    assert lineage.functions == ("spend", "signups", "spend_per_signup")
    assert dr.extracted_columns() == {}


def test_module_view_of_a_4000_node_graph(tmp_path):
    graph = large_graph(modules=20, per_module=200)
    assert len(graph) == 4010
    started = time.perf_counter()
    digraph = modules_digraph(graph, ViewOptions(orient="TB"))
    path = write_picture(digraph, tmp_path / "modules.svg")
    assert time.perf_counter() - started < 60  # a picture, not a hang; not a benchmark
    nodes = svg_nodes(path)
    assert set(nodes) == {f"mod_{m:02d}" for m in range(20)} | {INPUTS_BOX}
    assert nodes["mod_03"].texts == ["mod_03", "200 nodes", "50 @extract_columns"]
    assert nodes["mod_03"].fill == STYLES["module"].fill
    assert nodes[INPUTS_BOX].fill == STYLES["input"].fill
    edges = svg_edges(path)
    assert (INPUTS_BOX, "mod_00") in edges and ("mod_00", "mod_01") in edges
    assert len(edges) == 20
    assert module_edges(graph)[("mod_04", "mod_05")] == 400
    assert node_counts_by_module(graph)["mod_19"] == 200


def test_module_view_hides_inputs_and_counts_cross_module_edges_only():
    nodes_a = [fn_node("a1", ("x",), module="a"), fn_node("a2", ("a1",), module="a")]
    nodes_b = [fn_node("b1", ("a1", "a2"), module="b")]
    graph = build_graph([("a", nodes_a), ("b", nodes_b)])
    assert dict(module_edges(graph)) == {(INPUTS_BOX, "a"): 1, ("a", "b"): 2}
    source = modules_digraph(graph, ViewOptions(hide_inputs=True)).source
    assert INPUTS_BOX not in source and 'a -> b [label=2' in source


def test_untagged_plumbing_nodes_sit_in_their_function_s_module_box():
    """with_columns' passed-through columns and ``_append`` carry no ``module`` tag (as in
    Hamilton); the module view still files them under the module of their function."""
    from dataflow import driver
    from dataflow.lineage.module_view import module_of
    from tests.function_modifiers import fixtures_reuse_columns

    graph = driver.Builder().with_modules(fixtures_reuse_columns).build().graph
    boxes = {module_of(node) for node in graph.nodes.values()
             if node.role.value == "function"}
    assert "(no module)" not in boxes
