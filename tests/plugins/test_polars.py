"""plugins.h_polars / h_polars_lazyframe: result builders, with_columns, extract_columns on
polars frames; the same module ported to Hamilton 1.90 gives the same nodes and values."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pandas as pd
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dataflow import ad_hoc_utils, driver
from dataflow.base import ResultError
from dataflow.errors import DataflowError
from dataflow.function_modifiers import extract_columns
from plugins import h_polars, h_polars_lazyframe
from tests.compat.twin_import import load_ported
from tests.plugins import polars_features

FRAME = pl.DataFrame({"price": [1.0, 2.0, 3.0], "units": [3, 4, 5]})
RELOCATE = {"plugins.h_polars": "dataflow.plugins",
            "plugins.h_polars_lazyframe": "dataflow.plugins"}


def _ours() -> driver.Driver:
    return (driver.Builder().with_modules(polars_features)
            .with_adapters(h_polars.PolarsDataFrameResult()).build())


def _hamiltons():  # type: ignore[no-untyped-def]
    from hamilton import driver as hamilton_driver
    from hamilton.plugins import h_polars as hamilton_polars

    twin = load_ported("tests.plugins.polars_features", source_root="dataflow",
                       target_root="hamilton", relocate=RELOCATE)
    return (hamilton_driver.Builder().with_modules(twin)
            .with_adapters(hamilton_polars.PolarsDataFrameResult()).build())


# -- result builders ------------------------------------------------------------------------


def test_series_become_columns_and_scalars_are_broadcast() -> None:
    result = h_polars.PolarsDataFrameResult().build_result(
        a=pl.Series("x", [1, 2, 3]), b=pl.Series([4.0, 5.0, 6.0]), c=7)
    assert result.columns == ["a", "b", "c"]
    assert result["c"].to_list() == [7, 7, 7]
    assert result["a"].to_list() == [1, 2, 3]


def test_a_single_frame_is_returned_and_a_lazy_one_collected() -> None:
    builder = h_polars.PolarsDataFrameResult()
    assert builder.build_result(frame=FRAME) is FRAME
    assert_frame_equal(builder.build_result(frame=FRAME.lazy()), FRAME)
    assert builder.build_result(n=3).to_dicts() == [{"n": 3}]


def test_frames_among_several_outputs_contribute_prefixed_columns() -> None:
    result = h_polars.PolarsDataFrameResult().build_result(
        frame=FRAME, revenue=FRAME["price"] * FRAME["units"])
    assert result.columns == ["frame.price", "frame.units", "revenue"]


def test_outputs_of_different_lengths_are_refused_with_the_lengths() -> None:
    with pytest.raises(ResultError, match=r"'a': 3, 'b': 2"):
        h_polars.PolarsDataFrameResult().build_result(a=pl.Series([1, 2, 3]),
                                                      b=pl.Series([1, 2]))


def test_lazy_result_builder_keeps_a_lazy_frame_lazy() -> None:
    builder = h_polars_lazyframe.PolarsLazyFrameResult()
    lazy = FRAME.lazy()
    assert builder.build_result(lazy=lazy) is lazy
    built = builder.build_result(a=pl.Series([1, 2]), b=pl.Series([3, 4]))
    assert isinstance(built, pl.LazyFrame)
    assert built.collect().to_dict(as_series=False) == {"a": [1, 2], "b": [3, 4]}
    assert builder.output_type() is pl.LazyFrame


@pytest.mark.parametrize("outputs", [
    {"a": pl.Series([1, 2, 3]), "b": pl.Series([4, 5, 6])},
    {"a": pl.Series([1, 2, 3]), "c": 7},
    {"c": 7},
    {"frame": FRAME},
])
def test_result_builder_matches_hamiltons(outputs: dict) -> None:
    from hamilton.plugins import h_polars as hamilton_polars

    ours = h_polars.PolarsDataFrameResult().build_result(**outputs)
    theirs = hamilton_polars.PolarsDataFrameResult().build_result(**dict(outputs))
    assert_frame_equal(ours, theirs, check_dtypes=False)  # Hamilton broadcasts 7 as Int32


# -- the feature module, and its Hamilton twin ------------------------------------------------


def test_module_has_hamiltons_nodes() -> None:
    ours = sorted(v.name for v in _ours().list_available_variables())
    assert ours == sorted(v.name for v in _hamiltons().list_available_variables())
    assert {"enriched.price_sq", "enriched._append", "lazy_enriched.units_doubled"} <= set(ours)


@pytest.mark.parametrize("request_", [
    ["revenue", "price", "mean_units"], ["enriched"], ["lazy_enriched"]])
def test_module_computes_hamiltons_values(request_: list[str]) -> None:
    ours = _ours().execute(request_, inputs={"sales_frame": FRAME})
    assert_frame_equal(ours, _hamiltons().execute(request_, inputs={"sales_frame": FRAME}))


def test_with_columns_appends_the_computed_columns() -> None:
    out = _ours().execute(["enriched"], inputs={"sales_frame": FRAME})
    assert out.columns == ["price", "units", "price_sq", "units_centred"]
    assert out["price_sq"].to_list() == [1.0, 4.0, 9.0]
    assert out["units_centred"].to_list() == [-1.0, 0.0, 1.0]
    assert FRAME.columns == ["price", "units"]  # the input frame is not changed


def test_lazy_with_columns_appends_expressions_computed_on_collect() -> None:
    dr = driver.Builder().with_modules(polars_features).build()
    lazy = dr.execute(["lazy_enriched"], inputs={"sales_frame": FRAME})["lazy_enriched"]
    assert isinstance(lazy, pl.LazyFrame)
    out = lazy.collect()
    assert out["price_with_tax"].to_list() == pytest.approx([1.2, 2.4, 3.6])
    assert out["units_doubled"].to_list() == [6, 8, 10]


def test_with_columns_select_builds_only_what_the_selected_columns_need() -> None:
    def doubled(price: pl.Series) -> pl.Series:
        return price * 2

    def never(units: pl.Series) -> pl.Series:
        raise AssertionError("not selected")

    @h_polars.with_columns(doubled, never, columns_to_pass=["price", "units"],
                           select=["doubled"])
    def out(frame: pl.DataFrame) -> pl.DataFrame:
        return frame

    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(out)).build()
    assert "out.never" not in {v.name for v in dr.list_available_variables()}
    result = dr.execute(["out"], inputs={"frame": FRAME})["out"]
    assert result["doubled"].to_list() == [2.0, 4.0, 6.0]


def test_polars_with_columns_on_a_pandas_parameter_names_the_frame_type() -> None:
    def doubled(price: pl.Series) -> pl.Series:
        return price * 2

    @h_polars.with_columns(doubled, columns_to_pass=["price"])
    def out(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    with pytest.raises(DataflowError, match=r"pl\.DataFrame parameter"):
        driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(out)).build()


def test_a_column_missing_from_the_frame_is_named() -> None:
    def doubled(price: pl.Series) -> pl.Series:
        return price * 2

    @h_polars.with_columns(doubled, columns_to_pass=["price"])
    def out(frame: pl.DataFrame) -> pl.DataFrame:
        return frame

    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(out)).build()
    with pytest.raises(KeyError, match=r"'price'.*\['units'\]"):
        dr.execute(["out"], inputs={"frame": pl.DataFrame({"units": [1]})})


def test_polars_node_callables_pickle() -> None:
    for callable_ in (h_polars.PolarsColumnOf("f", "a"),
                      h_polars.PolarsAppendColumns("f", (("a", "ns.a"),)),
                      h_polars_lazyframe.ColumnExpression("f", "a")):
        assert pickle.loads(pickle.dumps(callable_)) == callable_


# -- extract_columns on polars frames ---------------------------------------------------------


def test_extract_columns_gives_polars_series_nodes() -> None:
    dr = driver.Builder().with_modules(polars_features).build()
    types = {v.name: v.type for v in dr.list_available_variables()}
    assert types["price"] is pl.Series and types["units"] is pl.Series
    out = dr.execute(["price", "units"], inputs={"sales_frame": FRAME})
    assert out["units"].to_list() == [3, 4, 5]


def test_extract_columns_fills_a_missing_polars_column() -> None:
    @extract_columns("x", "y", fill_with=0)
    def frame() -> pl.DataFrame:
        return pl.DataFrame({"x": [1, 2]})

    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(frame)).build()
    out = dr.execute(["y"])["y"]
    assert isinstance(out, pl.Series) and out.name == "y" and out.to_list() == [0, 0]


def test_extract_columns_on_a_missing_polars_column_lists_the_columns() -> None:
    @extract_columns("x", "y")
    def frame() -> pl.DataFrame:
        return pl.DataFrame({"x": [1, 2]})

    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(frame)).build()
    with pytest.raises(LookupError, match=r"no such column.*'x'"):
        dr.execute(["y"])


def test_extract_columns_of_a_lazy_frame_are_expressions_as_in_hamilton() -> None:
    @extract_columns("a", "b", fill_with=0)
    def frame() -> pl.LazyFrame:
        return pl.LazyFrame({"a": [1, 2]})

    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(frame)).build()
    assert {v.name: v.type for v in dr.list_available_variables()}["a"] is pl.Expr
    out = dr.execute(["a", "b", "frame"])
    assert str(out["a"]) == str(pl.col("a"))
    assert out["frame"].select(out["a"], out["b"]).collect().to_dict(as_series=False) == {
        "a": [1, 2], "b": [0, 0]}


def test_importing_dataflow_loads_no_validation_or_polars_library() -> None:
    code = ("import sys, dataflow, dataflow.driver, dataflow.function_modifiers, "
            "dataflow.data_quality\n"
            "print(sorted(m for m in ('polars', 'pandera', 'pydantic') if m in sys.modules))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               check=True, timeout=60)
    assert completed.stdout.strip() == "[]"


def test_with_columns_pass_dataframe_as_hands_the_whole_frame() -> None:
    def price_share(frame: pl.DataFrame) -> pl.Series:
        return frame["price"] / frame["price"].sum()

    @h_polars.with_columns(price_share, pass_dataframe_as="frame")
    def shares(sales_frame: pl.DataFrame) -> pl.DataFrame:
        return sales_frame

    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(shares)).build()
    out = dr.execute(["shares"], inputs={"sales_frame": FRAME})["shares"]
    assert out["price_share"].to_list() == pytest.approx([1 / 6, 2 / 6, 3 / 6])
