"""``check_output(schema=...)`` and ``plugins.h_pandera.check_output()``: pandera schemas check
pandas and polars frames; every problem is listed at once; the checked value never changes;
on extracted columns only the columns a run uses are checked. Compared with Hamilton 1.90 on
the same module (``pandera_features``)."""

from __future__ import annotations

import pandas as pd
import pytest

from dataflow import ad_hoc_utils, driver
from dataflow.data_quality import DataValidationError, ValidationResultsCollector
from dataflow.errors import DataflowError
from dataflow.function_modifiers import check_output, extract_columns
from tests.compat import intended_differences
from tests.compat.twin_import import load_ported

# Gated: pandera's pandas API needs pandas >= 2.1.1, and the oldest CI leg pins pandas 2.0.0
# (there `check_output(schema=...)` on a pandas node is a build error saying so; pandera's
# polars API runs on every leg: test_pandera_polars.py).
pa = pytest.importorskip("pandera.pandas", reason="pandera's pandas API needs pandas>=2.1.1",
                         exc_type=ImportError)
from pandera.typing import DataFrame, Series  # noqa: E402

from plugins import h_pandera  # noqa: E402
from tests.plugins import pandera_features  # noqa: E402


class Orders(pa.DataFrameModel):  # pandera.pandas' model: Hamilton 1.90's h_pandera refuses it
    quantity: Series[int] = pa.Field(gt=0)


class Frame(pa.DataFrameModel):
    a: Series[int] = pa.Field(gt=0)
    b: Series[int] = pa.Field(gt=0)


def _inputs() -> dict:
    return {"sales_frame": pd.DataFrame({"price": [1.0, -2.0, 3.0], "units": [1, 2, -3]}),
            "orders_frame": pd.DataFrame({"quantity": [1, 0], "status": ["open", "lost"]})}


def _build(*functions, collector=None) -> driver.Driver:  # type: ignore[no-untyped-def]
    builder = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(*functions))
    if collector is not None:
        builder = builder.with_adapters(collector)
    return builder.build()


REQUEST = ["units_dtype", "revenue", "sales_pandera_schema_validator",
           "orders_pandera_schema_validator", "open_orders"]


def test_module_has_hamiltons_nodes_and_verdicts() -> None:
    from hamilton import driver as hamilton_driver

    twin = load_ported("tests.plugins.pandera_features", source_root="dataflow",
                       target_root="hamilton", relocate={"plugins.h_pandera": "dataflow.plugins"})
    theirs_dr = hamilton_driver.Builder().with_modules(twin).build()
    ours_dr = driver.Builder().with_modules(pandera_features).build()
    assert (sorted(v.name for v in ours_dr.list_available_variables())
            == sorted(v.name for v in theirs_dr.list_available_variables()))
    ours, theirs = ours_dr.execute(REQUEST, inputs=_inputs()), theirs_dr.execute(
        REQUEST, inputs=_inputs())
    for validator in ("sales_pandera_schema_validator", "orders_pandera_schema_validator"):
        assert ours[validator].passes is theirs[validator].passes is False
    pd.testing.assert_series_equal(ours["revenue"], theirs["revenue"])
    assert ours["open_orders"] == theirs["open_orders"] == 1
    # Hamilton's #278: its coercion reaches downstream; ours does not (an intended difference)
    assert theirs["units_dtype"] == "float64"
    assert ours["units_dtype"] == "int64"
    assert "validation-never-changes-the-value" in intended_differences.BY_ID


def test_coercing_schema_leaves_the_value_and_its_dtypes_alone() -> None:
    source = pd.DataFrame({"units": [1, 2, 3]})
    schema = pa.DataFrameSchema({"units": pa.Column(float, coerce=True)})
    seen = {}

    @check_output(schema=schema, importance="fail")
    def frame() -> pd.DataFrame:
        return source

    def downstream(frame: pd.DataFrame) -> str:
        seen["frame"] = frame
        return str(frame["units"].dtype)

    collector = ValidationResultsCollector()
    out = _build(frame, downstream, collector=collector).execute(["downstream"])
    assert collector.results["frame_pandera_schema_validator"].passes
    assert out["downstream"] == "int64"
    assert seen["frame"] is source
    assert source["units"].dtype == "int64"
    assert not hasattr(source, "_pandera") or "frame" not in str(source.pandera.schema)


def test_every_problem_is_listed_at_once_with_node_column_and_row_counts() -> None:
    schema = pa.DataFrameSchema({
        "price": pa.Column(float, pa.Check.ge(0)),
        "units": pa.Column(int, [pa.Check.gt(0), pa.Check.lt(100)]),
        "region": pa.Column(str),
    })

    @check_output(schema=schema, importance="fail")
    def sales() -> pd.DataFrame:
        return pd.DataFrame({"price": [1.0, -2.0, -3.0, 4.0], "units": [1, 0, 200, -5]})

    with pytest.raises(DataValidationError) as caught:
        _build(sales).execute(["sales"])
    message = str(caught.value)
    assert "node 'sales'" in message and "'sales_pandera_schema_validator'" in message
    assert "column 'region' is missing" in message
    assert "column 'price': greater_than_or_equal_to(0) fails on 2 of 4 rows" in message
    assert "column 'units': greater_than(0) fails on 2 of 4 rows" in message
    assert "column 'units': less_than(100) fails on 1 of 4 rows" in message
    (failure,) = caught.value.failures
    problems = failure.result.diagnostics["problems"]
    assert len(problems) == 4 and failure.result.message.startswith("4 problem(s)")
    assert {(p["column"], p["failing_rows"]) for p in problems} == {
        (None, None), ("price", 2), ("units", 2), ("units", 1)}


def test_on_extracted_columns_only_the_columns_a_run_uses_are_checked() -> None:
    schema = pa.DataFrameSchema({"a": pa.Column(int, pa.Check.gt(0)),
                                 "b": pa.Column(int, pa.Check.gt(0)),
                                 "unused": pa.Column(str)})

    @extract_columns("a", "b", "c")
    @check_output(schema=schema, importance="fail")
    def frame() -> pd.DataFrame:
        return pd.DataFrame({"a": [1, 2], "b": [-1, -2], "c": [0, 0]})

    collector = ValidationResultsCollector()
    dr = _build(frame, collector=collector)
    names = {v.name for v in dr.list_available_variables()}
    assert {"a_pandera_schema_validator", "b_pandera_schema_validator"} <= names
    assert "c_pandera_schema_validator" not in names  # the schema says nothing about c
    assert "frame_pandera_schema_validator" not in names
    out = dr.execute(["a", "c"])  # b is bad, and not used: not checked
    assert out["a"].tolist() == [1, 2]
    assert list(collector.results) == ["a_pandera_schema_validator"]
    with pytest.raises(DataValidationError, match=r"node 'b'.*column 'b': greater_than\(0\) "
                                                  r"fails on 2 of 2 rows"):
        dr.execute(["b"])


def test_frame_wide_schema_parts_on_extracted_columns_ask_for_a_target() -> None:
    schema = pa.DataFrameSchema({"a": pa.Column(int)}, strict=True)

    @extract_columns("a")
    @check_output(schema=schema)
    def frame() -> pd.DataFrame:
        return pd.DataFrame({"a": [1]})

    with pytest.raises(DataflowError, match=r"frame-wide parts \(strict\).*target_='"):
        _build(frame)


def test_a_schema_on_a_non_frame_node_is_refused_at_build() -> None:
    @check_output(schema=pa.DataFrameSchema({"a": pa.Column(int)}))
    def count() -> int:
        return 1

    with pytest.raises(DataflowError, match=r"schema= does not apply to node 'count' of type "
                                            r"int.*pandas / polars"):
        _build(count)


def test_schema_takes_a_model_class_and_series_schemas() -> None:
    class Prices(pa.DataFrameModel):
        price: Series[float] = pa.Field(ge=0)

    @check_output(schema=Prices, importance="fail")
    def prices() -> pd.DataFrame:
        return pd.DataFrame({"price": [1.0, 2.0]})

    @check_output(schema=pa.SeriesSchema(int, pa.Check.isin([1, 2])), importance="fail")
    def codes() -> pd.Series:
        return pd.Series([1, 3])

    dr = _build(prices, codes)
    assert dr.execute(["prices"])["prices"]["price"].tolist() == [1.0, 2.0]
    with pytest.raises(DataValidationError, match=r"isin\(\[1, 2\]\) fails on 1 of 2 rows"):
        dr.execute(["codes"])


def test_h_pandera_reads_the_schema_from_the_annotation() -> None:
    @h_pandera.check_output(importance="fail")
    def orders() -> DataFrame[Orders]:
        return pd.DataFrame({"quantity": [1, 0, -1]})

    with pytest.raises(DataValidationError, match=r"quantity': greater_than\(0\) fails on 2 of "
                                                  r"3 rows"):
        _build(orders).execute(["orders"])


def test_h_pandera_on_extracted_columns_checks_the_used_ones() -> None:
    @extract_columns("a", "b")
    @h_pandera.check_output(importance="fail")
    def frame() -> DataFrame[Frame]:
        return pd.DataFrame({"a": [1], "b": [-1]})

    dr = _build(frame)
    assert dr.execute(["a"])["a"].tolist() == [1]
    with pytest.raises(DataValidationError):
        dr.execute(["b"])


def test_h_pandera_without_a_pandera_annotation_is_refused() -> None:
    @h_pandera.check_output()
    def plain() -> pd.DataFrame:
        return pd.DataFrame()

    with pytest.raises(DataflowError, match=r"node 'plain' is annotated .*DataFrame\[Schema\]"):
        _build(plain)
