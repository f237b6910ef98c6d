"""Stage 6: result builders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dataflow import ad_hoc_utils, base, driver


def test_dict_result_returns_values_as_they_are():
    value = object()
    assert base.DictResult().build_result(a=value) == {"a": value}


def test_dataframe_from_series_scalars_and_dataframes():
    index = pd.RangeIndex(3)
    frame = base.PandasDataFrameResult().build_result(
        a=pd.Series([1, 2, 3], index=index),
        k=7,
        parts=pd.DataFrame({"x": [1.0, 2.0, 3.0], "a": [0, 0, 0]}, index=index),
    )
    assert list(frame.columns) == ["a", "k", "parts.x", "parts.a"]
    assert frame["k"].tolist() == [7, 7, 7]
    assert frame["parts.a"].tolist() == [0, 0, 0]


def test_dataframe_result_does_not_copy_shared_index_columns():
    index = pd.RangeIndex(5)
    series = pd.Series(np.arange(5.0), index=index)
    frame = base.PandasDataFrameResult().build_result(a=series, b=series * 2)
    assert np.shares_memory(frame["a"].to_numpy(), series.to_numpy())


def test_index_mismatch_warns_names_outputs_and_aligns_on_union():
    a = pd.Series([1.0, 2.0], index=[0, 1])
    b = pd.Series([3.0, 4.0], index=[1, 2])
    with pytest.warns(base.IndexMismatchWarning) as caught:
        frame = base.PandasDataFrameResult().build_result(a=a, b=b)
    message = str(caught[0].message)
    assert "  a: Index of 2 rows [0 .. 1]" in message and "  b: Index of 2 rows [1 .. 2]" in message
    assert frame.index.tolist() == [0, 1, 2]
    assert frame["a"].isna().tolist() == [False, False, True]


def test_strict_variant_refuses_index_mismatch():
    a = pd.Series([1.0], index=["x"])
    b = pd.Series([1.0], index=["y"])
    with pytest.raises(base.ResultError, match="different indexes"):
        base.StrictIndexTypePandasDataFrameResult().build_result(a=a, b=b)


def test_only_scalars_make_one_row():
    assert base.PandasDataFrameResult().build_result(a=1, b="x").to_dict("records") == [
        {"a": 1, "b": "x"}]


def test_unsupported_output_in_a_dataframe_is_named():
    with pytest.raises(base.ResultError, match="Output 'model' is a dict"):
        base.PandasDataFrameResult().build_result(a=pd.Series([1]), model={"w": 1})


def test_numpy_matrix_result_stacks_columns_and_broadcasts_scalars():
    matrix = base.NumpyMatrixResult().build_result(a=np.array([1.0, 2.0]), b=[3, 4], c=5)
    assert matrix.tolist() == [[1.0, 3.0, 5.0], [2.0, 4.0, 5.0]]
    with pytest.raises(base.ResultError, match="one length"):
        base.NumpyMatrixResult().build_result(a=[1, 2], b=[1, 2, 3])


def test_driver_uses_the_last_result_builder():
    def a() -> pd.Series:
        return pd.Series([1, 2])

    module = ad_hoc_utils.create_temporary_module(a)
    dr = driver.Builder().with_modules(module).with_adapters(base.NumpyMatrixResult()).build()
    assert dr.execute(["a"]).tolist() == [[1], [2]]
