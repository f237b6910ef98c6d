"""extract_columns / extract_fields / unpack_fields: success through real drivers, misuse with
located errors, run-time errors naming node and what is available."""

from __future__ import annotations

import re
from typing import TypedDict

import pandas as pd
import pytest

from dataflow import ad_hoc_utils, base, driver
from dataflow.errors import DataflowError, DecoratorError, InvalidFunctionError
from dataflow.function_modifiers import extract_columns, extract_fields, unpack_fields
from dataflow.function_modifiers.extractors import ExtractionError
from dataflow.node import DECORATOR_TAG, MODULE_TAG
from tests.function_modifiers.helpers import build, build_error, location


@extract_columns("spend", ("signups", "New signups per day."))
def marketing(days: int) -> pd.DataFrame:
    """Daily marketing data."""
    return pd.DataFrame({"spend": [10.0 * d for d in range(days)],
                         "signups": list(range(days))})


def spend_per_signup(spend: pd.Series, signups: pd.Series) -> pd.Series:
    return spend / signups


def test_extract_columns_nodes_types_docs_and_values():
    dr = build(marketing, spend_per_signup)
    result = dr.execute(["spend_per_signup", "signups", "marketing"], inputs={"days": 3})
    assert result["signups"].tolist() == [0, 1, 2]
    assert result["spend_per_signup"].tolist()[1:] == [10.0, 10.0]
    assert isinstance(result["marketing"], pd.DataFrame)
    nodes = dr.graph.nodes
    spend = nodes["spend"]
    assert spend.type is pd.Series
    assert [(d.name, d.type) for d in spend.dependencies] == [("marketing", pd.DataFrame)]
    assert nodes["signups"].doc == "New signups per day."
    assert "spend" in spend.doc and "marketing" in spend.doc
    assert spend.tags[DECORATOR_TAG] == "extract_columns"
    assert spend.tags[MODULE_TAG] == dr.graph_modules[0].__name__  # the temporary module
    assert spend.originating_functions == (marketing,)
    assert spend.origin.location == location(marketing)
    assert DECORATOR_TAG not in nodes["marketing"].tags
    assert nodes["marketing"].doc == "Daily marketing data."


def test_default_driver_builds_a_dataframe_of_columns():
    module = ad_hoc_utils.create_temporary_module(marketing)
    dr = driver.Builder().with_modules(module).with_adapters(
        base.PandasDataFrameResult()).build()
    frame = dr.execute(["spend", "signups"], inputs={"days": 2})
    assert list(frame.columns) == ["spend", "signups"] and frame["signups"].tolist() == [0, 1]


@extract_columns("present", "absent")
def partial() -> pd.DataFrame:
    return pd.DataFrame({"present": [1, 2], "other": [3, 4]})


@extract_columns("present", "absent", fill_with=0)
def partial_filled() -> pd.DataFrame:
    return pd.DataFrame({"present": [1, 2], "other": [3, 4]}, index=[5, 6])


def test_missing_column_at_run_time_names_node_and_columns():
    dr = build(partial)
    assert dr.execute(["present"])["present"].tolist() == [1, 2]
    with pytest.raises(ExtractionError) as info:
        dr.execute(["absent"])
    message = str(info.value)
    assert "'absent'" in message and "'partial'" in message
    assert "'present', 'other'" in message and "fill_with" in message
    assert isinstance(info.value, DataflowError)


def test_fill_with_fills_missing_column_on_the_frame_index():
    dr = build(partial_filled)
    filled = dr.execute(["absent"])["absent"]
    assert filled.tolist() == [0, 0] and filled.index.tolist() == [5, 6]


@extract_columns("a")
def not_a_frame() -> dict:
    return {"a": 1}


@extract_columns("a")
def unannotated():
    return pd.DataFrame({"a": [1]})


@extract_columns("clash")
def clash() -> pd.DataFrame:
    return pd.DataFrame({"clash": [1]})


def test_extract_columns_misuse_is_located():
    message = build_error(DecoratorError, "extract_columns", not_a_frame)
    assert "not a DataFrame" in message and "pd.DataFrame" in message
    with pytest.raises(InvalidFunctionError, match="'unannotated' has no return annotation"):
        build(unannotated)
    message = build_error(DecoratorError, "extract_columns", clash)
    assert "own node" in message
    with pytest.raises(TypeError, match="at least one column"):
        extract_columns()
    with pytest.raises(TypeError, match="listed twice"):
        extract_columns("a", "a")
    with pytest.raises(TypeError, match=r"Unpack it"):
        extract_columns(["a", "b"])  # type: ignore[arg-type]


class Stats(TypedDict):
    mean: float
    count: int


@extract_fields()
def stats(values: list[float]) -> Stats:
    return {"mean": sum(values) / len(values), "count": len(values)}


@extract_fields({"low": int, "high": int})
def bounds(values: list[float]) -> dict:
    return {"low": int(min(values)), "high": int(max(values))}


@extract_fields(["first_name", "last_name"])
def names(full: str) -> dict[str, str]:
    first, last = full.split()
    return {"first_name": first, "last_name": last}


def test_extract_fields_typed_dict_dict_and_list_forms():
    dr = build(stats, bounds, names)
    result = dr.execute(["mean", "count", "low", "high", "first_name", "last_name"],
                        inputs={"values": [1.0, 3.0], "full": "Ada Lovelace"})
    assert result == {"mean": 2.0, "count": 2, "low": 1, "high": 3, "first_name": "Ada",
                      "last_name": "Lovelace"}
    nodes = dr.graph.nodes
    assert nodes["mean"].type is float and nodes["count"].type is int
    assert nodes["first_name"].type is str
    assert nodes["low"].tags[DECORATOR_TAG] == "extract_fields"
    assert [d.name for d in nodes["low"].dependencies] == ["bounds"]


@extract_fields({"here": int, "gone": int})
def incomplete() -> dict:
    return {"here": 1}


@extract_fields({"a": int})
def returns_list() -> list:
    return [1]


@extract_fields()
def untyped_fields() -> dict:
    return {}


@extract_fields({"nope": int})
def wrong_key() -> Stats:
    return {"mean": 1.0, "count": 1}


def test_extract_fields_misuse():
    dr = build(incomplete)
    with pytest.raises(ExtractionError, match=r"'gone'.*'incomplete'.*\['here'\]"):
        dr.execute(["gone"])
    message = build_error(DecoratorError, "extract_fields", returns_list)
    assert "dict or TypedDict" in message
    assert "no fields given" in build_error(DecoratorError, "extract_fields", untyped_fields)
    assert "nope" in build_error(DecoratorError, "extract_fields", wrong_key)
    with pytest.raises(TypeError, match="must map to a type"):
        extract_fields({"a": "int"})


@unpack_fields("left", "right")
def split(text: str) -> tuple[str, int]:
    head, tail = text.split(":")
    return head, int(tail)


@unpack_fields("p", "q", "r")
def triple(n: int) -> tuple[int, ...]:
    return n, n + 1, n + 2


def test_unpack_fields_fixed_and_variadic_tuples():
    dr = build(split, triple)
    assert dr.execute(["left", "right", "p", "r"], inputs={"text": "a:4", "n": 1}) == {
        "left": "a", "right": 4, "p": 1, "r": 3}
    assert dr.graph.nodes["right"].type is int and dr.graph.nodes["q"].type is int
    assert dr.graph.nodes["left"].tags[DECORATOR_TAG] == "unpack_fields"


@unpack_fields("a", "b", "c")
def wrong_count() -> tuple[int, int]:
    return 1, 2


@unpack_fields("a")
def not_tuple() -> list[int]:
    return [1]


@unpack_fields("a", "b", "c")
def short(n: int) -> tuple[int, ...]:
    return (n,)


def test_unpack_fields_misuse():
    assert "one name per item" in build_error(DecoratorError, "unpack_fields", wrong_count)
    assert "tuple return annotation" in build_error(DecoratorError, "unpack_fields", not_tuple)
    dr = build(short)
    with pytest.raises(ExtractionError, match=r"'c' is item 2.*'short'.*1 item"):
        dr.execute(["c"], inputs={"n": 1})
    with pytest.raises(TypeError, match="listed twice"):
        unpack_fields("a", "a")


def test_two_thousand_columns_build_and_extract():
    columns = [f"col_{i}" for i in range(2000)]

    @extract_columns(*columns)
    def wide_frame() -> pd.DataFrame:
        return pd.DataFrame({c: [i] for i, c in enumerate(columns)})

    dr = build(wide_frame)
    assert len(dr.graph.nodes) == 2001
    assert dr.execute(["col_1999"])["col_1999"].tolist() == [1999]


class TypedFrame(pd.DataFrame):
    """A DataFrame subclass (some teams annotate with their own frame types)."""


@extract_columns("sub_a")
def sub_frame() -> TypedFrame:
    return TypedFrame({"sub_a": [1]})


def test_extract_columns_accepts_dataframe_subclasses():
    dr = build(sub_frame)
    assert dr.graph.nodes["sub_a"].type is pd.Series
    assert dr.execute(["sub_a"])["sub_a"].tolist() == [1]


# -- names that are not Python identifiers (Hamilton accepts them) -----------------------------

@extract_columns("Tax Rate", "unit price", "2023")
def invoice() -> pd.DataFrame:
    return pd.DataFrame({"Tax Rate": [0.1, 0.2], "unit price": [2.0, 4.0], "2023": [3, 5]})


@extract_fields({"Field X": float, "2024": int})
def summary() -> dict:
    return {"Field X": 0.5, "2024": 7}


@unpack_fields("first item", "second item")
def pair() -> tuple[int, int]:
    return (1, 2)


def _gross(price: pd.Series, rate: pd.Series) -> pd.Series:
    return price * (1 + rate)


def test_names_that_are_not_identifiers_are_nodes_requested_by_name_on_every_run_path(
        monkeypatch):
    from dataflow import driver as driver_module
    from dataflow.execution import compiled as compiled_run
    from dataflow.function_modifiers import inject, source

    gross = inject(price=source("unit price"), rate=source("Tax Rate"))(_gross)
    gross.__name__ = "gross"  # type: ignore[attr-defined]
    compiled: list[compiled_run.CompiledPlan] = []

    def spy(plan, bounds=None, live_in=()):  # the real compiler; remember what it made
        compiled.append(compiled_run.compile_plan(plan, bounds, live_in))
        return compiled[-1]

    monkeypatch.setattr(driver_module, "compile_plan", spy)
    dr = build(invoice, summary, pair, gross)
    names = ["Tax Rate", "unit price", "2023", "Field X", "2024", "first item", "gross"]
    for _ in range(driver_module.COMPILE_AFTER_RUNS + 2):
        out = dr.execute(names)
        assert out["Tax Rate"].tolist() == [0.1, 0.2] and out["2023"].tolist() == [3, 5]
        assert out["unit price"].name == "unit price"
        assert (out["Field X"], out["2024"], out["first item"]) == (0.5, 7, 1)
        assert out["gross"].tolist() == pytest.approx([2.2, 4.8])
    assert len(compiled) == 1  # the compiled runner ran the last requests
    assert re.search(r"gross = f\d+\(\*\*\{'unit price': _l\d+, 'Tax Rate': _l\d+\}\)",
                     compiled[0].source)
    with pytest.raises(TypeError, match="not a valid node name"):
        extract_columns("")
