"""plugins.h_spark on one real local SparkSession (tests/engines/conftest.py): with_columns over
PySpark DataFrames gives the pandas computation of the same functions; select /
pass_dataframe_as as Hamilton's; a failing column function keeps its type and note; the
pandas-on-Spark adapter gives the pandas driver's result. Few tests: every Spark action costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyspark.sql import Column, DataFrame, SparkSession

from dataflow import ad_hoc_utils, base, driver
from dataflow.errors import DecoratorError
from dataflow.htypes import column
from plugins import h_pandas, h_spark
from tests.engines import spark_nodes

pytestmark = [  # pyspark 4.3 on pandas 3.x says so, and calls astype(copy=False)
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
    pytest.mark.filterwarnings("ignore:toPandas attempted Arrow optimization:UserWarning"),
    pytest.mark.filterwarnings("ignore:`to_pandas` loads all data"),
]

RAW = pd.DataFrame({"spend": [10.0, 20.0, 30.0, 45.0], "signups": [1.0, 2.0, 5.0, 9.0],
                    "region": ["n", "s", "n", "e"]})


def raw(spark_session: SparkSession) -> DataFrame:
    return spark_session.createDataFrame(RAW)


def _driver(*functions):
    return driver.Builder().with_modules(
        ad_hoc_utils.create_temporary_module(raw, *functions)).build()


@h_spark.with_columns(spark_nodes, columns_to_pass=["spend", "signups"])
def features(raw: DataFrame) -> DataFrame:
    return raw


@h_spark.with_columns(spark_nodes, columns_to_pass=["spend", "signups"],
                      select=["spend_scaled", "margin"], namespace="few")
def few(raw: DataFrame) -> DataFrame:
    return raw


@h_spark.select(spark_nodes.spend_per_signup, spark_nodes.signups_bucket,
                columns_to_pass=["spend", "signups"], output_cols=["signups_bucket"])
def only(raw: DataFrame) -> DataFrame:
    return raw


def spend(frame: DataFrame) -> Column:
    """Replaces the frame's own spend column (pass_dataframe_as may)."""
    return frame["spend"] * 100


def spend_cents(spend: pd.Series) -> column[pd.Series, np.int64]:
    return (spend * 1).astype("int64")


@h_spark.with_columns(spend, spend_cents, pass_dataframe_as="frame")
def cents(raw: DataFrame) -> DataFrame:
    return raw


def test_mixed_column_functions_equal_the_pandas_computation(spark_session):
    dr = _driver(features, few, only, cents)
    out = dr.execute(["features", "few", "only", "cents"],
                     inputs={"spark_session": spark_session, "scale": 3.0})
    got = out["features"].toPandas()
    # the pandas UDFs are plain pandas functions: the pandas with_columns runs them as they are
    pandas_udfs = [spark_nodes.spend_per_signup, spark_nodes.spend_scaled]

    @h_pandas.with_columns(*pandas_udfs, columns_to_pass=["spend", "signups"])
    def on_pandas(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    expected = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(
        on_pandas)).build().execute(["on_pandas"], inputs={"frame": RAW, "scale": 3.0})[
        "on_pandas"]
    expected["spend_log"] = np.log1p(RAW["spend"])
    expected["log_per_signup"] = expected["spend_log"] / RAW["signups"]
    expected["margin"] = RAW["spend"] - RAW["signups"]
    expected["signups_bucket"] = (RAW["signups"] // 2).astype("int64")
    pd.testing.assert_frame_equal(got, expected[list(got.columns)], check_dtype=False)
    assert list(got.columns) == [*RAW.columns, "spend_per_signup", "spend_scaled", "spend_log",
                                 "log_per_signup", "margin", "signups_bucket"]
    assert dict(out["features"].dtypes)["signups_bucket"] == "bigint"  # int is 64-bit
    # select (append mode): the frame's columns and the selected ones; the rest are dropped
    assert out["few"].columns == [*RAW.columns, "spend_scaled", "margin"]
    # select mode: only the selected columns
    assert out["only"].toPandas()["signups_bucket"].tolist() == [0, 1, 2, 4]
    assert out["only"].columns == ["signups_bucket"]
    # pass_dataframe_as: a frame function replaces a column, a pandas UDF reads the new one
    cents_frame = out["cents"].toPandas()
    assert cents_frame["spend"].tolist() == [1000.0, 2000.0, 3000.0, 4500.0]
    assert cents_frame["spend_cents"].tolist() == [1000, 2000, 3000, 4500]
    # the nodes: one per function, each the frame so far (Hamilton's), pruned by select
    names = {v.name for v in dr.list_available_variables()}
    assert {"features.spend_per_signup", "features.margin", "few._select", "few.margin",
            "only._select"} <= names
    assert "few.log_per_signup" not in names and "features.spend" not in names
    upstream = {v.name for v in dr.what_is_upstream_of("features.log_per_signup")}
    assert {"features.spend_log", "raw"} <= upstream


def bad_ratio(spend: pd.Series, signups: pd.Series) -> column[pd.Series, float]:
    if (signups > 4).any():
        raise ZeroDivisionError("signups over 4")
    return spend / signups


@h_spark.with_columns(bad_ratio, columns_to_pass=["spend", "signups"])
def broken(raw: DataFrame) -> DataFrame:
    return raw


def collected(broken: DataFrame) -> pd.DataFrame:
    return broken.toPandas()


def test_a_failing_column_function_keeps_its_type_and_note(spark_session):
    dr = _driver(broken, collected)
    inputs = {"spark_session": spark_session}
    # the action inside a node: the run gives back the function's own exception
    with pytest.raises(ZeroDivisionError, match="signups over 4") as raised:
        dr.execute(["collected"], inputs=inputs)
    notes = "\n".join(raised.value.__notes__)
    assert "column 'broken.bad_ratio' in a Spark pandas UDF" in notes
    assert f"test_spark.py:{bad_ratio.__code__.co_firstlineno}" in notes
    assert "argument types: spend: pandas.Series" in notes
    assert "node 'collected'" in notes
    # the action in the caller's code: node_errors() does the same
    frame = dr.execute(["broken"], inputs=inputs)["broken"]
    with pytest.raises(ZeroDivisionError) as raised, h_spark.node_errors():
        frame.toPandas()
    assert "column 'broken.bad_ratio'" in "\n".join(raised.value.__notes__)


def test_misuse_is_named_at_build():
    def untyped(spend: pd.Series) -> pd.Series:
        return spend

    def reads_missing(spnd: pd.Series) -> column[pd.Series, float]:
        return spnd

    for functions, kwargs, message in [
        ((untyped,), {}, r"annotate the return column\[pd.Series, float\]"),
        ((reads_missing,), {}, r"parameter 'spnd' is a column.*Did you mean 'spend'"),
        ((spark_nodes.spend_per_signup,), {"select": ["spend_per_signup2"]},
         r"select names \['spend_per_signup2'\].*Did you mean 'spend_per_signup'"),
    ]:
        @h_spark.with_columns(*functions, columns_to_pass=["spend", "signups"], **kwargs)
        def frame_out(raw: DataFrame) -> DataFrame:
            return raw

        with pytest.raises(DecoratorError, match=message) as raised:
            _driver(frame_out)
        assert "test_spark.py:" in str(raised.value)


@pytest.mark.pandas2  # pyspark.pandas does not import with pandas 3: the pandas-2 leg runs it
def test_pandas_on_spark_adapter_gives_the_pandas_result(spark_session):
    """On pandas 2.x the adapter's result equals the pandas driver's; on pandas 3.x, which
    pyspark.pandas does not import with (pyspark 4.3 and older), the adapter says so when made."""
    try:
        import pyspark.pandas as ps
    except ImportError:
        assert int(pd.__version__.split(".")[0]) >= 3
        with pytest.raises(ImportError, match=r"pandas on Spark \(pyspark.pandas\) does not "
                                              r"import here \(pandas 3.*with_columns works"):
            h_spark.SparkKoalasGraphAdapter(spark_session, base.DictResult(), "spend")
        return

    def spend_per_signup(spend: pd.Series, signups: pd.Series) -> pd.Series:
        return spend / signups

    def spend_zero_mean(spend: pd.Series) -> pd.Series:
        return spend - spend.mean()

    import pyspark

    if pyspark.__version__.startswith("4.0."):  # its pandas API refuses Spark's ANSI mode
        spark_session.conf.set("spark.sql.ansi.enabled", "false")
    try:
        _pandas_on_spark_equals_pandas(spark_session, ps, spend_per_signup, spend_zero_mean)
    finally:
        spark_session.conf.unset("spark.sql.ansi.enabled")


def _pandas_on_spark_equals_pandas(spark_session, ps, *functions):
    module = ad_hoc_utils.create_temporary_module(*functions)
    outputs = ["spend", "spend_per_signup", "spend_zero_mean"]
    expected = driver.Builder().with_modules(module).with_adapters(
        base.PandasDataFrameResult()).build().execute(
        outputs, inputs={"spend": RAW["spend"], "signups": RAW["signups"]})
    frame = ps.from_pandas(RAW)
    inputs = {"spend": frame["spend"], "signups": frame["signups"]}
    on_spark = driver.Driver({}, module, adapter=h_spark.SparkKoalasGraphAdapter(
        spark_session, base.PandasDataFrameResult(), "spend"))
    pd.testing.assert_frame_equal(on_spark.execute(outputs, inputs=inputs).sort_index(),
                                  expected, check_names=False)
    koalas = driver.Driver({}, module, adapter=h_spark.SparkKoalasGraphAdapter(
        spark_session, h_spark.KoalasDataFrameResult(), "spend"))
    result = koalas.execute(outputs, inputs=inputs)
    assert isinstance(result, ps.DataFrame)
    pd.testing.assert_frame_equal(result.to_pandas().sort_index(), expected, check_names=False)


def test_spark_types_of_annotations():
    from pyspark.sql import types as T

    assert h_spark.spark_type(int) == T.LongType() and h_spark.spark_type(float) == T.DoubleType()
    assert h_spark.spark_type(np.int32) == T.IntegerType()
    assert h_spark.spark_type(np.float32) == T.FloatType()
    assert h_spark.spark_type(list[str]) == T.ArrayType(T.StringType())
    assert h_spark.spark_type("decimal(10,2)") == "decimal(10,2)"
    with pytest.raises(TypeError, match="no Spark type for dict"):
        h_spark.spark_type(dict)


def test_the_spark_and_pandas_with_columns_name_the_same_misuse_alike():
    # both check the decorator's arguments and the frame parameter with the same shared code
    # (dataflow.function_modifiers.pandas_columns), so a misuse reads the same on either
    def doubled(spend: pd.Series) -> column[pd.Series, float]:
        return spend * 2

    for decorator, frame_type, label in [(h_pandas.with_columns, pd.DataFrame, "pd.DataFrame"),
                                         (h_spark.with_columns, DataFrame, "pyspark DataFrame")]:
        with pytest.raises(DecoratorError, match="takes exactly one of columns_to_pass"):
            decorator(doubled)
        with pytest.raises(DecoratorError, match=r"select is a list of names; write \['a'\]"):
            decorator(doubled, columns_to_pass=["spend"], select="a")
        for kwargs, message in [
                ({"on_input": "rw"}, r"on_input='rw' is not a parameter.*Did you mean 'raw'"),
                ({}, f"parameter 'raw' is annotated int; this with_columns works on a {label} "
                     "parameter"),
        ]:
            def frame_out(raw):  # type: ignore[no-untyped-def]
                return raw

            frame_out.__annotations__ = {"raw": frame_type if kwargs else int,
                                         "return": frame_type}
            with pytest.raises(DecoratorError, match=message):
                _driver(decorator(doubled, columns_to_pass=["spend"], **kwargs)(frame_out))
