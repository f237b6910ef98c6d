"""``h_dask.with_columns`` and ``@extract_columns`` on dask DataFrames, computed on the real
``distributed.LocalCluster`` of the engine tests: the same numbers as the pandas computation,
lazy until computed, and clear errors for misuse."""

from __future__ import annotations

import dask
import dask.dataframe as dd
import pandas as pd
import pytest

from dataflow import ad_hoc_utils, base, driver
from dataflow.errors import DecoratorError
from plugins import h_dask
from tests.engines import dask_columns

RAW = pd.DataFrame({"spend": [10.0, 20.0, 30.0, 45.0, 50.0, 61.0],
                    "signups": [1, 2, 3, 4, 5, 6]}, index=pd.RangeIndex(100, 106))


def _raw() -> dd.DataFrame:
    return dd.from_pandas(RAW, npartitions=3)


def _on_dask(client) -> driver.Driver:
    adapter = h_dask.DaskGraphAdapter(client, base.DictResult(), use_delayed=False,
                                      compute_at_end=False)
    return driver.Builder().with_modules(dask_columns).with_adapters(adapter).build()


def test_with_columns_appends_lazy_dask_columns_computed_on_the_cluster(dask_client) -> None:
    out = _on_dask(dask_client).execute(["enriched"], inputs={"raw": _raw()})
    frame = out["enriched"]
    assert isinstance(frame, dd.DataFrame) and frame.npartitions == 3  # still lazy
    computed = dask_client.compute(frame).result()
    expected = RAW.assign(spend_per_signup=RAW["spend"] / RAW["signups"],
                          spend_zscore=(RAW["spend"] - RAW["spend"].mean()) / RAW["spend"].std())
    pd.testing.assert_frame_equal(computed, expected)


def test_extract_columns_gives_dask_series_nodes_and_fills_missing_columns(dask_client) -> None:
    dr = _on_dask(dask_client)
    types = {v.name: v.type for v in dr.list_available_variables()}
    assert types["spend"] is dd.Series and types["refunds"] is dd.Series
    out = dr.execute(["net_spend", "refunds", "signups_total"], inputs={"raw": _raw()})
    assert all(dask.is_dask_collection(v) for v in out.values())
    net, refunds, total = dask_client.compute([out["net_spend"], out["refunds"],
                                               out["signups_total"]], sync=True)
    pd.testing.assert_series_equal(net, RAW["spend"], check_names=False)
    pd.testing.assert_series_equal(refunds, pd.Series(0.0, index=RAW.index, name="refunds"))
    assert total == 21


def test_the_dask_result_builder_assembles_extracted_and_appended_columns(dask_client) -> None:
    adapter = h_dask.DaskGraphAdapter(dask_client, h_dask.DaskDataFrameResult(),
                                      use_delayed=False)
    dr = driver.Builder().with_modules(dask_columns).with_adapters(adapter).build()
    frame = dr.execute(["spend", "net_spend"], inputs={"raw": _raw()})
    assert isinstance(frame, pd.DataFrame)  # computed at the end, on the cluster
    assert list(frame.columns) == ["spend", "net_spend"]
    assert frame["net_spend"].tolist() == RAW["spend"].tolist()


def _raw_frame() -> object:
    def raw_frame(raw: dd.DataFrame) -> dd.DataFrame:
        return raw

    return raw_frame


def test_extract_columns_types_match_hamilton_on_dask_frames() -> None:
    from hamilton import ad_hoc_utils as h_ad_hoc
    from hamilton import driver as h_driver
    from hamilton.function_modifiers import extract_columns as theirs

    from dataflow.function_modifiers import extract_columns as ours

    mine = ad_hoc_utils.create_temporary_module(ours("spend")(_raw_frame()))
    hamilton_module = h_ad_hoc.create_temporary_module(theirs("spend")(_raw_frame()))
    hamilton = {v.name: v.type for v in
                h_driver.Driver({}, hamilton_module).list_available_variables()}
    dataflow = {v.name: v.type for v in driver.Driver({}, mine).list_available_variables()}
    assert dataflow["spend"] is hamilton["spend"] is dd.Series


def test_a_missing_column_names_the_frame_and_its_columns(dask_client) -> None:
    def doubled(clicks: dd.Series) -> dd.Series:
        return clicks * 2

    @h_dask.with_columns(doubled, columns_to_pass=["clicks"])
    def with_clicks(raw: dd.DataFrame) -> dd.DataFrame:
        return raw

    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(with_clicks)).build()
    with pytest.raises(KeyError, match=r"column 'clicks' .* dask DataFrame 'raw', whose "
                                       r"columns are \['spend', 'signups'\]"):
        dr.execute(["with_clicks"], inputs={"raw": _raw()})


def test_with_columns_on_a_pandas_parameter_is_refused_at_build() -> None:
    def doubled(spend: dd.Series) -> dd.Series:
        return spend * 2

    @h_dask.with_columns(doubled, columns_to_pass=["spend"])
    def wrong(raw: pd.DataFrame) -> pd.DataFrame:
        return raw

    with pytest.raises(DecoratorError, match=r"@with_columns on .*wrong \(.*test_dask_columns"
                                             r"\.py:\d+\): parameter 'raw' is annotated "
                                             r"DataFrame; this with_columns works on a "
                                             r"dd.DataFrame parameter"):
        driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(wrong)).build()
