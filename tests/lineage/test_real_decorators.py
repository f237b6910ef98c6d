"""Pictures of graphs built by the real decorators (skipped until they are importable)."""

from __future__ import annotations

import pandas as pd
import pytest

from dataflow import ad_hoc_utils, driver
from dataflow.lineage.styles import STYLES

from .svg import content_nodes, legend, svg_clusters, svg_nodes

modifiers = pytest.importorskip("dataflow.function_modifiers")
for _name in ("subdag", "pipe_input", "step", "check_output", "source"):
    if not hasattr(modifiers, _name):
        pytest.skip(f"function_modifiers.{_name} not available yet", allow_module_level=True)


def build_driver():
    def raw(path: str) -> pd.DataFrame:
        return pd.DataFrame({"spend": [1.0, 2.0]})

    def _fill(frame: pd.DataFrame, value: float) -> pd.DataFrame:
        return frame.fillna(value)

    def part(raw: pd.DataFrame) -> pd.Series:
        return raw["spend"]

    def doubled(part: pd.Series) -> pd.Series:
        return part * 2

    @modifiers.subdag(part, doubled, inputs={"raw": modifiers.source("raw")})
    def doubled_spend(doubled: pd.Series) -> pd.Series:
        return doubled

    @modifiers.check_output(range=(0, 100))
    @modifiers.pipe_input(modifiers.step(_fill, value=0.0))
    def spend(raw: pd.DataFrame) -> pd.Series:
        return raw["spend"]

    module = ad_hoc_utils.create_temporary_module(raw, doubled_spend, spend)
    return driver.Builder().with_modules(module).build()


def test_decorator_generated_nodes_are_styled_and_subdags_clustered(tmp_path):
    dr = build_driver()
    target = tmp_path / "decorated.svg"
    dr.display_all_functions(target)
    nodes = svg_nodes(target)
    drawn = content_nodes(nodes)
    assert set(drawn) == set(dr.graph.nodes)
    assert drawn["doubled_spend.doubled"].fill == STYLES["subdag"].fill
    assert drawn["doubled_spend.doubled"].texts[0] == "doubled"  # namespace is the cluster
    assert "cluster_doubled_spend" in svg_clusters(target)
    assert drawn["spend.with_fill"].fill == STYLES["pipe_input"].fill
    validators = [n for n, node in dr.graph.nodes.items()
                  if node.tags.get("dataflow.decorator") == "check_output"]
    assert validators and all(drawn[v].fill == STYLES["check_output"].fill for v in validators)
    assert {"subdag", "pipe_input", "check_output", "function", "input"} <= set(legend(nodes))


def test_extract_columns_and_parameterize_styles_and_column_lineage(tmp_path):
    if not all(hasattr(modifiers, n) for n in ("extract_columns", "parameterize", "value")):
        pytest.skip("extract_columns / parameterize not available yet")

    @modifiers.extract_columns("spend", "signups")
    def raw(path: str) -> pd.DataFrame:
        return pd.DataFrame({"spend": [1.0, 2.0], "signups": [1, 2]})

    @modifiers.parameterize(spend_x2={"factor": modifiers.value(2.0)},
                            spend_x3={"factor": modifiers.value(3.0)})
    def spend_scaled(spend: pd.Series, factor: float) -> pd.Series:
        return spend * factor

    def per_signup(spend_x2: pd.Series, signups: pd.Series) -> pd.Series:
        return spend_x2 / signups

    module = ad_hoc_utils.create_temporary_module(raw, spend_scaled, per_signup)
    dr = driver.Builder().with_modules(module).build()
    target = tmp_path / "columns.svg"
    dr.display_all_functions(target)
    nodes = svg_nodes(target)
    assert nodes["spend"].fill == STYLES["extract_columns"].fill
    assert nodes["signups"].fill == STYLES["extract_columns"].fill
    assert nodes["spend_x2"].fill == STYLES["parameterize"].fill
    assert nodes["raw"].fill == STYLES["function"].fill
    assert set(legend(nodes)) == {"function", "input", "extract_columns", "parameterize"}

    # requested outputs keep their decorator's style and gain the output border
    executed = tmp_path / "executed.svg"
    dr.visualize_execution(["spend", "spend_x2", "per_signup"], executed, inputs={"path": "p"})
    nodes = svg_nodes(executed)
    for name, kind in (("spend", "extract_columns"), ("spend_x2", "parameterize"),
                       ("per_signup", "function")):
        assert (nodes[name].fill, nodes[name].stroke) == (STYLES[kind].fill,
                                                          STYLES["output"].border), name
    assert nodes["signups"].stroke == STYLES["extract_columns"].border  # not requested
    assert set(legend(nodes)) == {"function", "input", "extract_columns", "parameterize",
                                  "output"}

    assert dr.extracted_columns() == {"raw": ("spend", "signups")}
    spend = dr.column_lineage("spend")
    assert (spend.extracted_from, spend.decorator, spend.inputs) == (
        "raw", "extract_columns", ("path",))
    ratio = dr.column_lineage("per_signup")
    assert ratio.extracted_from is None
    assert ratio.inputs == ("path",)
    assert set(ratio.functions) == {"raw", "spend", "signups", "spend_x2", "per_signup"}
    assert "spend_x3" not in ratio.nodes
