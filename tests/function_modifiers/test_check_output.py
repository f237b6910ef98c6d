"""@check_output / @check_output_custom: validator nodes, warn vs fail, results for the caller."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

import dataflow.function_modifiers as fm
from dataflow.data_quality import (
    DQ_CONTAINS_RESULTS_TAG,
    DQ_SOURCE_NODE_TAG,
    DataValidationError,
    ValidationImportance,
    ValidationResult,
    ValidationResultsCollector,
)
from dataflow.data_quality import default_validators as dv
from dataflow.errors import DecoratorError
from dataflow.function_modifiers import check_output, check_output_custom
from dataflow.node import DECORATOR_TAG
from tests.function_modifiers import fixtures_reuse_checks as fx
from tests.function_modifiers.helpers import assert_located, build

GOOD_RAW = pd.Series([1.0, 2.0, 3.0, 4.0])


def test_validator_nodes_exist_and_can_be_requested():
    dr = build(fx)
    nodes = dr.graph.nodes
    names = {"share_raw", "share_data_type_validator", "share_range_validator",
             "share_max_fraction_nans_validator"}
    assert names <= set(nodes)
    validator = nodes["share_range_validator"]
    assert validator.tags[DECORATOR_TAG] == "check_output"
    assert validator.tags[DQ_CONTAINS_RESULTS_TAG] is True
    assert validator.tags[DQ_SOURCE_NODE_TAG] == "share"
    assert validator.tags["hamilton.data_quality.source_node"] == "share"
    assert DECORATOR_TAG not in nodes["share"].tags
    assert nodes["even_even_validator"].tags[DECORATOR_TAG] == "check_output_custom"
    out = dr.execute(["share", "share_range_validator"], inputs={"raw": GOOD_RAW})
    assert out["share"].tolist() == [0.1, 0.2, 0.3, 0.4]
    result = out["share_range_validator"]
    assert isinstance(result, ValidationResult) and result.passes
    assert result.diagnostics["in_range"] == 4
    tagged = dr.list_available_variables(tag_filter={DQ_CONTAINS_RESULTS_TAG: None})
    assert len(tagged) == 14  # share 3, spread 3, label 3, count 3, even 2


def test_checks_do_not_copy_or_change_the_value():
    dr = build(fx)
    out = dr.execute(["spread", "spread_raw"], inputs={"raw": GOOD_RAW})
    assert out["spread"] is out["spread_raw"] is GOOD_RAW


def test_fail_raises_one_error_listing_every_failure_after_all_validators_ran():
    collector = ValidationResultsCollector()
    dr = build(fx, adapters=(collector,))
    bad = pd.Series([1.0, np.nan, -3.0])
    with pytest.raises(DataValidationError) as caught:
        dr.execute(["share"], inputs={"raw": bad})
    failures = caught.value.failures
    assert {f.validator_node for f in failures} == {"share_range_validator",
                                                    "share_max_fraction_nans_validator"}
    assert all(f.node_name == "share" and f.importance is ValidationImportance.FAIL
               for f in failures)
    message = str(caught.value)
    assert "2 data validation check(s) failed" in message and "'share'" in message
    assert "out_range" in message and "fraction_na" in message  # diagnostics listed
    # every validator ran, the passing one included, and the caller can read them all
    assert set(collector.results) == {"share_data_type_validator", "share_range_validator",
                                      "share_max_fraction_nans_validator"}
    assert set(collector.failures()) == {"share_range_validator",
                                         "share_max_fraction_nans_validator"}


def test_warn_logs_and_returns(caplog):
    dr = build(fx)
    with caplog.at_level(logging.WARNING, logger="dataflow.data_quality"):
        out = dr.execute(["label", "spread"],
                         inputs={"raw_label": "c d", "raw": pd.Series([1.0, 30.0, np.nan])})
    assert out["label"] == "c d"
    logged = caplog.text
    assert "label_values_in_validator" in logged and "label_contains_validator" in logged
    assert "label_does_not_contain_validator" in logged
    assert "spread_max_standard_dev_validator" in logged
    assert "spread_allow_nans_validator" in logged


def test_two_check_outputs_share_one_gate(caplog):
    dr = build(fx)
    gate = dr.graph.nodes["count"]
    assert {d.name for d in gate.dependencies} == {
        "count_raw", "count_range_validator", "count_allow_none_validator",
        "count_values_in_validator"}
    with caplog.at_level(logging.WARNING, logger="dataflow.data_quality"):
        assert dr.execute(["count"], inputs={"n": 20}) == {"count": 20}
    assert "count_range_validator" in caplog.text
    with pytest.raises(DataValidationError, match="count_values_in_validator"):
        dr.execute(["count"], inputs={"n": 9})


def test_custom_validators_and_collector_per_run():
    collector = ValidationResultsCollector()
    dr = build(fx, adapters=(collector,))
    assert dr.execute(["even"], inputs={"n": -2}) == {"even": -2}
    assert collector.results_for("even")["even_positive_validator"].passes is False
    dr.execute(["even"], inputs={"n": 4})
    assert all(r.passes for r in collector.results.values())  # reset at each run
    with pytest.raises(DataValidationError, match="even_even_validator"):
        dr.execute(["even"], inputs={"n": 3})


def test_only_requested_nodes_are_checked():
    collector = ValidationResultsCollector()
    dr = build(fx, adapters=(collector,))
    dr.execute(["even"], inputs={"n": 2})
    assert set(collector.results) == {"even_even_validator", "even_positive_validator"}


def test_default_validators_directly():
    series = pd.Series([1, 2, None], dtype="float64")
    assert not dv.AllowNaNsValidatorPandasSeries(False, "warn").validate(series).passes
    assert dv.DataTypeValidatorPandasSeries(np.floating, "warn").validate(series).passes
    assert not dv.DataTypeValidatorPandasSeries(np.integer, "warn").validate(series).passes
    assert dv.DataInValuesValidatorPandasSeries([1.0, 2.0], "warn").validate(series).passes
    assert dv.DataInRangeValidatorPrimitives((0, 1), "warn").validate(1).passes
    assert not dv.StrContainsValidator(["a", "b"], "warn").validate("a").passes
    assert dv.AllowNoneValidator(True, "warn").validate(None).passes
    with pytest.raises(ValueError):
        dv.AllowNaNsValidatorPandasSeries(True, "warn")
    with pytest.raises(ValueError):
        dv.MaxFractionNansValidatorPandasSeries(1.5, "warn")


# -- misuse -------------------------------------------------------------------------------------


def test_unknown_keyword_is_a_located_error():
    with pytest.raises(DecoratorError) as caught:
        @check_output(rnage=(0, 1))
        def bad(x: int) -> int:
            return x
    message = str(caught.value)
    assert "@check_output" in message and "bad" in message and "test_check_output.py" in message
    assert "Did you mean 'range'" in message


def test_keyword_not_applicable_to_the_type():
    @check_output(max_standard_dev=1.0)
    def bad(x: int) -> int:
        return x

    with pytest.raises(DecoratorError) as caught:
        build(bad)
    message = str(caught.value)
    assert_located(message, "check_output", bad)
    assert "node 'bad' of type int" in message and "pd.Series" in message


def test_bad_argument_and_importance():
    @check_output(range=(5, 1))
    def bad(x: int) -> int:
        return x

    with pytest.raises(DecoratorError, match="low is greater than high"):
        build(bad)
    with pytest.raises(ValueError, match="'warn' or 'fail'"):
        check_output(range=(0, 1), importance="error")
    with pytest.raises(TypeError, match="at least one validator"):
        check_output()


def test_custom_misuse():
    with pytest.raises(TypeError, match="DataValidator instances"):
        check_output_custom(lambda x: True)

    @check_output_custom(fx.EvenValidator("fail"))
    def text(x: int) -> str:
        return str(x)

    with pytest.raises(DecoratorError) as caught:
        build(text)
    assert_located(str(caught.value), "check_output_custom", text)
    assert "even_validator" in str(caught.value)


def test_same_validator_twice_on_a_node():
    @check_output(range=(0, 5))
    @check_output(range=(0, 10))
    def twice(x: int) -> int:
        return x

    with pytest.raises(DecoratorError, match="twice"):
        build(twice)


def test_unknown_target():
    @check_output(range=(0, 5), target_="nope")
    def checked(x: int) -> int:
        return x

    with pytest.raises(DecoratorError) as caught:
        build(checked)
    assert_located(str(caught.value), "check_output", checked)


# -- with extract_columns (target_) -------------------------------------------------------------


def test_target_checks_only_the_named_column_and_only_when_it_is_used():
    @check_output(range=(0.0, 1.0), importance="fail", target_="a")
    @fm.extract_columns("a", "b")
    def frame(raw: pd.DataFrame) -> pd.DataFrame:
        return raw

    collector = ValidationResultsCollector()
    dr = build(frame, adapters=(collector,))
    assert "a_range_validator" in dr.graph.nodes and "b_range_validator" not in dr.graph.nodes
    raw = pd.DataFrame({"a": [0.5, 0.7], "b": [5.0, 6.0]})
    assert dr.execute(["b"], inputs={"raw": raw})["b"].tolist() == [5.0, 6.0]
    assert collector.results == {}  # 'a' is not used, so it is not checked
    dr.execute(["a"], inputs={"raw": raw})
    assert set(collector.results) == {"a_range_validator"}
    with pytest.raises(DataValidationError, match="'a'"):
        dr.execute(["a"], inputs={"raw": raw.assign(a=[2.0, 0.0])})


def test_without_target_every_column_is_checked():
    @check_output(range=(0.0, 10.0))
    @fm.extract_columns("a", "b")
    def frame(raw: pd.DataFrame) -> pd.DataFrame:
        return raw

    nodes = build(frame).graph.nodes
    assert {"a_range_validator", "b_range_validator"} <= set(nodes)
    assert "frame_range_validator" not in nodes


def test_two_thousand_columns_build():
    columns = [f"c{i}" for i in range(2000)]

    @check_output(range=(0.0, 1.0), allow_nans=False)
    @fm.extract_columns(*columns)
    def wide(raw: pd.DataFrame) -> pd.DataFrame:
        return raw

    dr = build(wide)
    assert sum(1 for n in dr.graph.nodes if n.endswith("_range_validator")) == 2000
    raw = pd.DataFrame({c: [0.5] for c in columns[:3]})
    assert dr.execute(["c1"], inputs={"raw": raw})["c1"].tolist() == [0.5]


def test_check_output_over_pipe_output_checks_the_piped_value():
    from dataflow.function_modifiers import pipe_output, step

    def _negate(v: int) -> int:
        return -v

    @check_output(range=(0, 10), importance="fail")
    @pipe_output(step(_negate))
    def flipped(x: int) -> int:
        return x

    dr = build(flipped)
    assert dr.execute(["flipped"], inputs={"x": -3}) == {"flipped": 3}
    with pytest.raises(DataValidationError, match="flipped_range_validator"):
        dr.execute(["flipped"], inputs={"x": 3})
    assert {"flipped.raw", "flipped.with_negate", "flipped_raw"} <= set(dr.graph.nodes)
