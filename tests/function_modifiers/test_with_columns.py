"""@with_columns (pandas): columns computed by a module appended to a DataFrame parameter."""

from __future__ import annotations

import pandas as pd
import pytest
from dataflow.plugins.h_pandas import with_columns

from dataflow.errors import DecoratorError
from dataflow.function_modifiers import tag
from dataflow.function_modifiers import with_columns as exported
from dataflow.function_modifiers.targets import NON_FINAL_TAG
from dataflow.node import DECORATOR_TAG, MODULE_TAG
from tests.function_modifiers import fixtures_reuse_column_features as features
from tests.function_modifiers import fixtures_reuse_columns as fx
from tests.function_modifiers.helpers import assert_located, build


@pytest.fixture
def raw_df():
    return pd.DataFrame({"spend": [10.0, 20.0, 30.0], "signups": [1.0, 4.0, 10.0]},
                        index=[7, 8, 9])


def test_export_paths_agree():
    assert exported is with_columns


def test_selected_columns_are_appended_and_input_untouched(raw_df):
    before = raw_df.copy()
    dr = build(fx)
    out = dr.execute(["enriched"], inputs={"raw_df": raw_df})["enriched"]
    assert list(out.columns) == ["spend", "signups", "ratio", "ratio_x2"]
    assert out["ratio"].tolist() == [10.0, 5.0, 3.0]
    assert out["ratio_x2"].tolist() == [20.0, 10.0, 6.0]
    assert list(out.index) == [7, 8, 9]
    pd.testing.assert_frame_equal(raw_df, before)
    nodes = dr.graph.nodes
    assert {"enriched.spend", "enriched.signups", "enriched.ratio", "enriched.ratio_x2",
            "enriched._append"} <= set(nodes)
    assert "enriched.spend_centered" not in nodes  # not selected, not needed: not built
    assert nodes["enriched.ratio"].tags[DECORATOR_TAG] == "with_columns"
    assert [d.name for d in nodes["enriched"].dependencies] == ["enriched._append"]


def test_default_select_is_every_series_node_and_outer_nodes_are_reachable(raw_df):
    out = build(fx).execute(["everything"], inputs={"raw_df": raw_df})["everything"]
    assert list(out.columns) == ["spend", "signups", "ratio", "ratio_x2", "spend_centered"]
    assert out["spend_centered"].tolist() == [9.0, 19.0, 29.0]  # spend_baseline is outer


def test_default_select_keeps_every_node_and_appends_the_passed_columns_too(raw_df):
    """As in Hamilton: without select=, nothing is pruned (a column function returning a
    scalar stays a node that can be requested), and every pd.Series node is appended, the
    columns read from the frame included (so _append depends on them)."""
    dr = build(fx)
    nodes = dr.graph.nodes
    assert nodes["all_cols.total_spend"].type is float
    assert {d.name for d in nodes["all_cols._append"].dependencies} == {
        "raw_df", "all_cols.spend", "all_cols.signups", "all_cols.ratio", "all_cols.ratio_x2",
        "all_cols.spend_centered"}
    result = dr.execute(["all_cols.total_spend", "everything"], inputs={"raw_df": raw_df})
    assert result["all_cols.total_spend"] == 60.0
    assert list(result["everything"].columns) == ["spend", "signups", "ratio", "ratio_x2",
                                                   "spend_centered"]
    assert result["everything"]["spend"].tolist() == [10.0, 20.0, 30.0]
    # with select=, only what the selected columns need is built
    assert "enriched.total_spend" not in nodes
    assert {d.name for d in nodes["enriched._append"].dependencies} == {
        "raw_df", "enriched.ratio", "enriched.ratio_x2"}


def test_tags_match_hamiltons():
    """The loaded functions' nodes carry their own module and Hamilton's non-final tag; the
    columns read from the frame and _append carry neither (Hamilton gives them no tags)."""
    nodes = build(fx).graph.nodes
    for name in ("all_cols.ratio", "all_cols.total_spend", "enriched.ratio_x2"):
        assert nodes[name].tags[MODULE_TAG] == features.__name__, name
        assert nodes[name].tags[NON_FINAL_TAG] is True, name
    for name in ("all_cols.spend", "all_cols.signups", "all_cols._append", "enriched._append"):
        assert MODULE_TAG not in nodes[name].tags, name
        assert NON_FINAL_TAG not in nodes[name].tags, name
        assert nodes[name].tags[DECORATOR_TAG] == "with_columns", name
    assert nodes["everything"].tags[MODULE_TAG] == fx.__name__


def test_tag_on_a_with_columns_function_tags_only_its_own_node():
    @tag(owner="me")
    @with_columns(features, columns_to_pass=["spend", "signups"], namespace="ns")
    def everything(raw_df: pd.DataFrame) -> pd.DataFrame:
        return raw_df

    nodes = build(everything).graph.nodes
    assert [n for n, node in nodes.items() if node.tags.get("owner")] == ["everything"]


def test_pass_dataframe_as_may_replace_columns(raw_df):
    out = build(fx).execute(["replaced"], inputs={"raw_df": raw_df})["replaced"]
    assert out["spend"].tolist() == [0.1, 0.2, 0.3]
    assert out["spend_share"].round(4).tolist() == [round(1 / 6, 4), round(2 / 6, 4), 0.5]


def test_on_input_chooses_the_frame(raw_df):
    out = build(fx).execute(["on_second"], inputs={"frame": raw_df, "scale": 2.0})
    assert out["on_second"]["ratio"].tolist() == [20.0, 10.0, 6.0]


def test_function_unchanged(raw_df):
    assert fx.enriched(raw_df) is raw_df


# -- misuse -------------------------------------------------------------------------------------


def test_exactly_one_of_columns_to_pass_and_pass_dataframe_as():
    with pytest.raises(ValueError, match="exactly one"):
        with_columns(features)
    with pytest.raises(ValueError, match="exactly one"):
        with_columns(features, columns_to_pass=["a"], pass_dataframe_as="df")
    with pytest.raises(TypeError, match="list of names"):
        with_columns(features, columns_to_pass="spend")


def test_unknown_select():
    @with_columns(features, columns_to_pass=["spend", "signups"], select=["ratoi"])
    def bad(raw_df: pd.DataFrame) -> pd.DataFrame:
        return raw_df

    with pytest.raises(DecoratorError) as caught:
        build(bad)
    message = str(caught.value)
    assert_located(message, "with_columns", bad)
    assert "Did you mean 'ratio'" in message


def test_passed_column_clashes_with_a_computed_one():
    @with_columns(features, columns_to_pass=["spend", "ratio"])
    def bad(raw_df: pd.DataFrame) -> pd.DataFrame:
        return raw_df

    with pytest.raises(DecoratorError) as caught:
        build(bad)
    assert_located(str(caught.value), "with_columns", bad)
    assert "pass_dataframe_as" in str(caught.value)


def test_frame_parameter_must_be_a_dataframe():
    @with_columns(features, columns_to_pass=["spend", "signups"])
    def bad(raw: int) -> pd.DataFrame:
        return pd.DataFrame()

    with pytest.raises(DecoratorError) as caught:
        build(bad)
    assert_located(str(caught.value), "with_columns", bad)
    assert "annotated int" in str(caught.value)


def test_on_input_must_be_a_parameter():
    @with_columns(features, columns_to_pass=["spend", "signups"], on_input="frme")
    def bad(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    with pytest.raises(DecoratorError, match="Did you mean 'frame'"):
        build(bad)


def test_missing_column_at_run_time_says_which(raw_df):
    @with_columns(features, columns_to_pass=["spend", "signups"], select=["ratio"])
    def enriched(raw_df: pd.DataFrame) -> pd.DataFrame:
        return raw_df

    with pytest.raises(KeyError) as caught:
        build(enriched).execute(["enriched"], inputs={"raw_df": raw_df[["spend"]]})
    assert "'signups'" in str(caught.value) and "columns_to_pass" in str(caught.value)


def test_config_required_must_be_in_the_config():
    @with_columns(features, columns_to_pass=["spend", "signups"], select=["ratio"],
                  config_required=["region"])
    def needs_region(raw_df: pd.DataFrame) -> pd.DataFrame:
        return raw_df

    with pytest.raises(DecoratorError) as caught:
        build(needs_region)
    assert_located(str(caught.value), "with_columns", needs_region)
    assert "'region'" in str(caught.value)
    assert "needs_region._append" in build(needs_region, config={"region": "eu"}).graph.nodes
