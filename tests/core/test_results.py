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


def test_dataframe_result_copies_only_when_pandas_cannot_copy_lazily():
    """pandas 3 (copy-on-write): the frame reuses the column data until someone writes;
    pandas 2 without copy-on-write: one copy, else writes to the frame reach the caller."""
    index = pd.RangeIndex(5)
    series = pd.Series(np.arange(5.0), index=index)
    frame = base.PandasDataFrameResult().build_result(a=series, b=series * 2)
    lazy = int(pd.__version__.split(".")[0]) >= 3 or pd.options.mode.copy_on_write
    assert np.shares_memory(frame["a"].to_numpy(), series.to_numpy()) is bool(lazy)


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
    with pytest.raises(base.ResultError, match="Output 'model' is of type dict"):
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


# -- issue 7: memory sharing, Hamilton's names, repeated labels ---------------------------------

def test_dataframe_result_never_shares_memory_with_the_callers_series():
    """On pandas 2 without copy-on-write, copy=False made the result a view of the inputs."""
    import pandas as pd

    from dataflow import ad_hoc_utils, base, driver

    def doubled(price: pd.Series) -> pd.Series:
        return price * 2

    dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(doubled))
          .with_adapters(base.PandasDataFrameResult()).build())
    price = pd.Series([1.0, 2.0, 3.0])
    frame = dr.execute(["price", "doubled"], inputs={"price": price})
    frame.loc[0, "price"] = 99.0
    frame.iloc[1, 0] = 77.0
    assert price.tolist() == [1.0, 2.0, 3.0]
    single = base.PandasDataFrameResult().build_result(
        only=(source := pd.DataFrame({"x": [1.0, 2.0]})))
    single.loc[0, "x"] = 5.0
    assert source["x"].tolist() == [1.0, 2.0]


def test_single_dataframe_output_keeps_its_column_names_as_in_hamilton():
    import pandas as pd

    from dataflow import base

    frame = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
    built = base.PandasDataFrameResult().build_result(features=frame)
    assert built.columns.tolist() == ["x", "y"]
    assert built is not frame
    mixed = base.PandasDataFrameResult().build_result(features=frame, z=pd.Series([5, 6]))
    assert mixed.columns.tolist() == ["features.x", "features.y", "z"]


def test_aligning_indexes_with_repeated_labels_names_the_outputs():
    import pandas as pd

    from dataflow import base

    with pytest.raises(base.ResultError) as caught:
        base.PandasDataFrameResult().build_result(
            a=pd.Series([1.0, 2.0]), b=pd.Series([1, 2, 3], index=[0, 0, 1]))
    message = str(caught.value)
    assert "b: 3 rows, repeated labels e.g. [0]" in message and "Other outputs: a." in message


def test_identical_indexes_with_repeated_labels_are_fine():
    import pandas as pd

    from dataflow import base

    index = pd.Index([0, 0, 1])
    built = base.PandasDataFrameResult().build_result(
        a=pd.Series([1, 2, 3], index=index), b=pd.Series([4, 5, 6], index=index))
    assert built["b"].tolist() == [4, 5, 6]


def test_hamilton_base_names_exist_and_behave():
    import pandas as pd

    from dataflow import base

    for name in ("ResultMixin", "DictResult", "PandasDataFrameResult",
                 "StrictIndexTypePandasDataFrameResult", "NumpyMatrixResult",
                 "HamiltonGraphAdapter", "SimplePythonDataFrameGraphAdapter",
                 "SimplePythonGraphAdapter", "DefaultAdapter"):
        assert hasattr(base, name), name
    assert issubclass(base.DictResult, base.ResultMixin)
    assert base.DefaultAdapter().build_result(a=1) == {"a": 1}  # dict by default, as Hamilton
    assert isinstance(base.SimplePythonDataFrameGraphAdapter().build_result(
        a=pd.Series([1])), pd.DataFrame)
    kinds = base.PandasDataFrameResult.pandas_index_types(
        {"a": pd.Series([1], index=pd.DatetimeIndex(["2024-01-01"])), "b": 3})
    every, time_like, none = kinds
    assert none == {"no-index": ["b"]} and list(time_like.values()) == [["a"]]
    assert base.PandasDataFrameResult.check_pandas_index_types_match(*kinds) is True
    assert base.PandasDataFrameResult.check_pandas_index_types_match(
        {"no-index": ["b"]}, {}, {"no-index": ["b"]}) is False
    assert base.HamiltonGraphAdapter.check_input_type(int, 3)


def test_numpy_array_outputs_never_share_memory_with_the_result():
    """Copy-on-write guards pandas objects, not raw arrays: the builder copies arrays."""
    from dataflow import ad_hoc_utils, driver

    def total(a: np.ndarray) -> float:
        return float(a.sum())

    dr = driver.Driver({}, ad_hoc_utils.create_temporary_module(total))
    given = np.array([1.0, 2.0, 3.0])
    frame = dr.execute(["a", "total"], inputs={"a": given})
    frame.loc[0, "a"] = 100.0
    assert given.tolist() == [1.0, 2.0, 3.0]
    built = base.PandasDataFrameResult().build_result(x=(source := np.array([1.0, 2.0])))
    source[0] = 50.0
    assert built["x"].tolist() == [1.0, 2.0]


def test_copy_on_write_warn_mode_still_copies_on_pandas_2():
    if int(pd.__version__.split(".")[0]) >= 3 or pd.__version__ < "2.2":
        assert base._copy_needed() is (int(pd.__version__.split(".")[0]) < 3)
        return
    series = pd.Series([1.0, 2.0])
    with pd.option_context("mode.copy_on_write", "warn"):
        assert base._copy_needed() is True
        frame = base.PandasDataFrameResult().build_result(s=series, t=series * 2)
    frame.iloc[0, 0] = 100.0
    assert series.tolist() == [1.0, 2.0]
