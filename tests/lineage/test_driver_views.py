"""The driver's display_* / visualize_* methods on a real module, rendered to real files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import graphviz
import pandas as pd
import pytest

from dataflow import ad_hoc_utils, driver
from dataflow.errors import MissingInputsError, RequestError, UnknownOutputError
from dataflow.lineage import GraphvizNotInstalledError, LineageError
from dataflow.lineage.styles import STYLES

from . import pipeline_module
from .svg import content_nodes, legend, svg_edges, svg_nodes

RAW = pd.DataFrame({"spend": [10.0, 20.0, 30.0], "signups": [1, 2, 5]})


@pytest.fixture
def dr():
    return driver.Builder().with_modules(pipeline_module).with_config({"scale": 2.0}).build()


def test_display_all_functions_writes_svg_with_every_node(dr, tmp_path):
    target = tmp_path / "all.svg"
    digraph = dr.display_all_functions(str(target))
    assert isinstance(digraph, graphviz.Digraph)
    nodes = svg_nodes(target)
    assert set(content_nodes(nodes)) == set(dr.graph.nodes)
    assert set(legend(nodes)) == {"function", "input", "config"}
    assert nodes["scale"].fill == STYLES["config"].fill
    assert nodes["raw"].dashed
    tooltip = nodes["spend"].tooltip or ""
    assert "Marketing spend per week." in tooltip
    assert "pipeline_module.spend" in tooltip and "pipeline_module.py:6" in tooltip
    # paths relative to where the module is imported from, not the author's clone
    assert "tests/lineage/pipeline_module.py:6" in tooltip
    assert all(str(Path(pipeline_module.__file__).parent) not in (node.tooltip or "")
               for node in nodes.values())
    assert ("spend", "spend_per_signup") in svg_edges(target)
    assert sorted(os.listdir(tmp_path)) == ["all.svg"]


def test_png_pdf_and_dot_outputs(dr, tmp_path):
    dr.display_all_functions(tmp_path / "all.png")
    data = (tmp_path / "all.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    dr.display_all_functions(tmp_path / "all.pdf")
    assert (tmp_path / "all.pdf").read_bytes()[:5] == b"%PDF-"
    digraph = dr.display_all_functions(tmp_path / "all.dot")
    assert (tmp_path / "all.dot").read_text() == digraph.source
    assert sorted(os.listdir(tmp_path)) == ["all.dot", "all.pdf", "all.png"]


def test_keep_dot_writes_the_source_next_to_the_picture(dr, tmp_path):
    digraph = dr.display_all_functions(tmp_path / "g.svg", keep_dot=True)
    assert sorted(os.listdir(tmp_path)) == ["g.dot", "g.svg"]
    assert (tmp_path / "g.dot").read_text() == digraph.source


def test_path_without_suffix_uses_render_kwargs_format(dr, tmp_path):
    dr.display_all_functions(tmp_path / "graph", render_kwargs={"format": "svg"})
    assert os.listdir(tmp_path) == ["graph.svg"]
    with pytest.raises(LineageError, match="drop 'format'"):
        dr.display_all_functions(tmp_path / "x.png", render_kwargs={"format": "svg"})
    with pytest.raises(LineageError, match=r"unknown keys \['colour'\]"):
        dr.display_all_functions(tmp_path / "x.png", render_kwargs={"colour": 1})


def test_unknown_suffix_and_missing_directory_write_nothing(dr, tmp_path):
    with pytest.raises(LineageError, match=r"no 'docx' format.*\.png, \.svg"):
        dr.display_all_functions(tmp_path / "g.docx")
    with pytest.raises(LineageError, match="does not exist"):
        dr.display_all_functions(tmp_path / "nowhere" / "g.svg")
    assert os.listdir(tmp_path) == []


def test_visualize_execution_marks_outputs_inputs_and_overrides(dr, tmp_path):
    target = tmp_path / "exec.svg"
    dr.visualize_execution(["spend_per_signup"], target, inputs={"raw": RAW})
    nodes = content_nodes(svg_nodes(target))
    assert set(nodes) == {"raw", "spend", "signups", "spend_per_signup"}
    # a requested output keeps its own fill and gains the output border
    assert nodes["spend_per_signup"].fill == STYLES["function"].fill
    assert nodes["spend_per_signup"].stroke == STYLES["output"].border
    assert nodes["spend"].fill == STYLES["function"].fill
    assert nodes["spend"].stroke == STYLES["function"].border
    assert "output" in legend(svg_nodes(target)) and "override" not in legend(svg_nodes(target))

    target = tmp_path / "exec2.svg"
    dr.visualize_execution(["scaled"], target, inputs={"raw": RAW},
                           overrides={"spend_zero_mean": pd.Series([1.0])})
    all_nodes = svg_nodes(target)
    nodes = content_nodes(all_nodes)
    assert nodes["spend_zero_mean"].fill == STYLES["override"].fill
    assert nodes["spend"].fill == STYLES["skipped"].fill  # cut off by the override
    assert nodes["scaled"].fill == STYLES["function"].fill
    assert nodes["scaled"].stroke == STYLES["output"].border
    assert nodes["scale"].fill == STYLES["config"].fill
    assert "signups" not in nodes
    assert nodes["raw"].fill == STYLES["skipped"].fill  # only the cut-off nodes read it
    assert set(legend(all_nodes)) == {"function", "config", "output", "override", "skipped"}


def test_visualize_execution_hide_inputs_keeps_requested_config(dr):
    source = dr.visualize_execution(["scaled", "scale"], inputs={"raw": RAW}, hide_inputs=True,
                                    overrides={"spend_zero_mean": pd.Series([1.0])}).source
    assert "raw [" not in source  # a skipped input is still an input
    assert "scale [" in source  # requested, so drawn although it is config


def test_visualize_execution_raises_what_execute_raises(dr, tmp_path):
    with pytest.raises(MissingInputsError, match="raw"):
        dr.visualize_execution(["spend"], tmp_path / "x.svg")
    with pytest.raises(UnknownOutputError, match="Did you mean 'spend'"):
        dr.visualize_execution(["spnd"], tmp_path / "x.svg", inputs={"raw": RAW})
    digraph = dr.visualize_execution(["spend"], tmp_path / "x.svg", bypass_validation=True)
    assert "raw" in digraph.source


def test_display_upstream_and_downstream(dr, tmp_path):
    dr.display_upstream_of("spend_zero_mean", output_file_path=tmp_path / "up.svg")
    assert set(content_nodes(svg_nodes(tmp_path / "up.svg"))) == {
        "raw", "spend", "spend_mean", "spend_zero_mean"}
    dr.display_downstream_of("spend_mean", output_file_path=tmp_path / "down.svg")
    # downstream nodes plus what they read directly
    assert set(content_nodes(svg_nodes(tmp_path / "down.svg"))) == {
        "spend_mean", "spend_zero_mean", "scaled", "spend", "scale", "bias"}


def test_max_hops_limits_the_picture_and_says_what_is_hidden(dr, tmp_path):
    target = tmp_path / "hops.svg"
    dr.display_upstream_of("scaled", output_file_path=target, max_hops=1)
    nodes = content_nodes(svg_nodes(target))
    assert set(nodes) == {"scaled", "spend_zero_mean", "scale", "bias"}
    assert "+2 upstream not shown" in nodes["spend_zero_mean"].texts
    target = tmp_path / "around.svg"
    dr.display_around("spend_mean", max_hops=1, output_file_path=target)
    assert set(content_nodes(svg_nodes(target))) == {"spend", "spend_mean", "spend_zero_mean"}
    with pytest.raises(LineageError, match="max_hops must be a whole number"):
        dr.display_upstream_of("scaled", max_hops=-1)


def test_visualize_path_between(dr, tmp_path):
    target = tmp_path / "path.svg"
    dr.visualize_path_between("spend", "scaled", target, strict_path_visualization=True)
    assert set(content_nodes(svg_nodes(target))) == {
        "spend", "spend_mean", "spend_zero_mean", "scaled"}
    dr.visualize_path_between("spend", "scaled", target)
    assert set(content_nodes(svg_nodes(target))) == {
        "raw", "spend", "spend_mean", "spend_zero_mean", "scaled", "scale", "bias"}
    with pytest.raises(LineageError, match=r"No path from 'scaled' to 'spend'.*swap"):
        dr.visualize_path_between("scaled", "spend")
    with pytest.raises(LineageError, match=r"No path from 'signups' to 'scaled'"):
        dr.visualize_path_between("signups", "scaled")


def test_unknown_node_names_get_did_you_mean(dr):
    with pytest.raises(LineageError, match=r"No node named 'spnd'.*Did you mean 'spend'"):
        dr.display_upstream_of("spnd")
    with pytest.raises(LineageError, match=r"No node named 'scaledd'.*'scaled'"):
        dr.display_downstream_of("scaledd")
    with pytest.raises(LineageError, match="No node named 'sped'"):
        dr.visualize_path_between("sped", "scaled")
    with pytest.raises(LineageError, match="at least one node"):
        dr.display_upstream_of()


def test_bad_orient_is_rejected_before_drawing(dr, tmp_path):
    with pytest.raises(LineageError, match="orient='up'"):
        dr.display_all_functions(tmp_path / "x.svg", orient="up")
    assert os.listdir(tmp_path) == []


def test_every_orient_renders(dr, tmp_path):
    for orient in ("LR", "TB", "BT", "RL"):
        dr.display_all_functions(tmp_path / f"{orient}.png", orient=orient)
        assert (tmp_path / f"{orient}.png").stat().st_size > 0


def test_without_dot_on_path_every_view_says_how_to_install(dr, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no 'dot' program on it
    calls = [
        lambda: dr.display_all_functions(),
        lambda: dr.display_all_functions(tmp_path / "g.png"),
        lambda: dr.visualize_execution(["spend"], tmp_path / "g.svg", inputs={"raw": RAW}),
        lambda: dr.display_upstream_of("spend"),
        lambda: dr.display_downstream_of("spend"),
        lambda: dr.visualize_path_between("spend", "scaled"),
        lambda: dr.display_modules(),
    ]
    for call in calls:
        with pytest.raises(GraphvizNotInstalledError, match=r"apt-get install graphviz.*brew"):
            call()
    # DOT text needs no dot program
    dr.display_all_functions(tmp_path / "g.dot")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot"]


def test_display_execution_outside_a_notebook_is_refused_with_the_call_to_use(dr):
    # (tests/plugins/test_jupyter_magic.py shows it in a real IPython shell)
    with pytest.raises(RequestError, match=r"not running one.*dr\.visualize_execution\("
                                           r"\['spend'\], 'execution\.svg'"):
        dr.display_execution(["spend"], inputs={"raw": RAW})


def test_execute_with_display_graph_outside_a_notebook_is_refused_before_running():
    calls = []

    def spend(raw: pd.DataFrame) -> pd.Series:
        calls.append("spend")
        return raw["spend"]

    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(spend)).build()
    with pytest.raises(RequestError, match=r"display_graph=True\) shows the execution picture"):
        dr.execute(["spend"], inputs={"raw": RAW}, display_graph=True)
    assert calls == []
    assert list(dr.execute(["spend"], inputs={"raw": RAW})["spend"]) == [10.0, 20.0, 30.0]


def test_export_execution_json(dr):
    exported = json.loads(dr.export_execution(["scaled"], inputs={"raw": RAW},
                                              overrides={"spend_mean": 1.0}))
    assert exported["outputs"] == ["scaled"]
    by_name = {n["name"]: n for n in exported["nodes"]}
    assert list(by_name) == sorted(by_name)
    assert set(by_name) == {"raw", "spend", "spend_mean", "spend_zero_mean", "scaled", "scale"}
    scaled = by_name["scaled"]
    assert scaled["type"] == "Series"
    assert scaled["dependencies"] == ["spend_zero_mean", "scale", "bias"]
    assert scaled["optional_dependencies"] == ["bias"]
    assert scaled["module"] == pipeline_module.__name__
    assert Path(scaled["file"]).name == "pipeline_module.py" and scaled["line"] == 29
    assert scaled["docstring"] == "Spend, centred and scaled by the config value."
    assert scaled["tags"] == {"module": pipeline_module.__name__}
    assert by_name["spend_mean"]["execution"] == "override"
    assert by_name["raw"]["execution"] == "supplied"
    assert by_name["spend"]["execution"] == "runs"
    with pytest.raises(MissingInputsError):
        dr.export_execution(["scaled"])
