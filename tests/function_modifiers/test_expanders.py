"""parameterize / parameterize_values / parameterize_sources / inject /
parameterize_extract_columns: success through real drivers, misuse with located errors,
and a hypothesis check against hand-written functions."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflow.errors import DecoratorError
from dataflow.function_modifiers import (
    ParameterizedExtract,
    configuration,
    group,
    inject,
    parameterize,
    parameterize_extract_columns,
    parameterize_sources,
    parameterize_values,
    parametrized,
    source,
    value,
)
from dataflow.node import DECORATOR_TAG, MODULE_TAG
from tests.function_modifiers.helpers import assert_located, build, build_error, location


@parameterize(
    eu_total={"spend": source("eu_spend"), "rate": value(0.2)},
    us_total=({"spend": source("us_spend"), "rate": value(0.07)}, "US spend with tax"),
    cfg_total={"spend": source("eu_spend"), "rate": configuration("default_rate")},
)
def with_tax(spend: float, rate: float, fee: float = 1.0) -> float:
    """Spend {spend} taxed at {rate}; {unknown} stays."""
    return spend * (1 + rate) + fee


def test_parameterize_values_sources_configuration_and_docs():
    dr = build(with_tax, config={"default_rate": 0.5})
    result = dr.execute(["eu_total", "us_total", "cfg_total"],
                        inputs={"eu_spend": 100.0, "us_spend": 10.0})
    assert result == {"eu_total": pytest.approx(121.0), "us_total": pytest.approx(11.7),
                      "cfg_total": pytest.approx(151.0)}
    nodes = dr.graph.nodes
    assert "with_tax" not in nodes
    eu = nodes["eu_total"]
    assert [(d.name, d.type, d.optional) for d in eu.dependencies] == [
        ("eu_spend", float, False), ("fee", float, True)]
    assert eu.type is float
    assert eu.doc == "Spend eu_spend taxed at 0.2; {unknown} stays."
    assert nodes["us_total"].doc == "US spend with tax"
    assert eu.tags[DECORATOR_TAG] == "parameterize"
    assert eu.tags[MODULE_TAG] == dr.graph_modules[0].__name__  # the temporary module
    assert eu.originating_functions == (with_tax,)
    assert eu.origin.location == location(with_tax)
    assert dr.execute(["eu_total"], inputs={"eu_spend": 100.0, "fee": 0.0}) == {
        "eu_total": pytest.approx(120.0)}
    assert with_tax(1.0, 1.0) == 3.0  # the function stays callable as written


@parameterize(listed={"items": group(source("a"), value(10), source("b"))})
def collect(items: list[int]) -> int:
    return sum(items)


@parameterize(keyed={"items": group(first=source("a"), second=value(5))})
def collect_keyed(items: dict[str, int]) -> int:
    return sum(items.values())


def test_parameterize_with_groups():
    dr = build(collect, collect_keyed)
    assert dr.execute(["listed", "keyed"], inputs={"a": 1, "b": 2}) == {"listed": 13, "keyed": 6}


@parameterize_values(parameter="power", assigned_output={("sq", "Squared."): 2,
                                                           ("cube", "Cubed."): 3})
def raise_to(base_value: int, power: int) -> int:
    return base_value ** power


@parameterize_sources(from_a={"v": "a"}, from_b={"v": "b"})
def doubled(v: int) -> int:
    """Double of {v}."""
    return v * 2


def test_parameterize_values_and_sources():
    dr = build(raise_to, doubled)
    assert dr.execute(["sq", "cube", "from_a", "from_b"],
                      inputs={"base_value": 2, "a": 3, "b": 4}) == {
        "sq": 4, "cube": 8, "from_a": 6, "from_b": 8}
    assert dr.graph.nodes["cube"].doc == "Cubed."
    assert dr.graph.nodes["from_b"].doc == "Double of b."
    assert [d.name for d in dr.graph.nodes["from_a"].dependencies] == ["a"]


@inject(values=group(source("a"), value(100)), scale=value(2))
def injected(values: list[int], scale: int, offset: int) -> int:
    return sum(values) * scale + offset


def test_inject_keeps_name_and_binds():
    dr = build(injected)
    assert dr.execute(["injected"], inputs={"a": 1, "offset": 3}) == {"injected": 205}
    node = dr.graph.nodes["injected"]
    assert {d.name for d in node.dependencies} == {"a", "offset"}
    assert node.tags[DECORATOR_TAG] == "inject"


@parameterize_extract_columns(
    ParameterizedExtract(("low_a", "low_b"), {"factor": value(1)}),
    ParameterizedExtract(("high_a", "high_b"), {"factor": value(10), "raw": source("other")}),
)
def frame_pair(raw: pd.Series, factor: int) -> pd.DataFrame:
    return pd.DataFrame({"x": raw * factor, "y": raw + factor})


def test_parameterize_extract_columns_reassigns_and_extracts():
    dr = build(frame_pair)
    raw = pd.Series([1, 2])
    result = dr.execute(["low_a", "low_b", "high_a", "high_b"],
                        inputs={"raw": raw, "other": pd.Series([5, 6])})
    assert result["low_a"].tolist() == [1, 2] and result["low_b"].tolist() == [2, 3]
    assert result["high_a"].tolist() == [50, 60] and result["high_b"].tolist() == [15, 16]
    nodes = dr.graph.nodes
    assert {"frame_pair__0", "frame_pair__1"} <= set(nodes)
    assert [d.name for d in nodes["high_a"].dependencies] == ["frame_pair__1"]
    assert nodes["high_a"].type is pd.Series
    assert nodes["low_a"].tags[DECORATOR_TAG] == "parameterize_extract_columns"


# -- misuse --------------------------------------------------------------------------------------


def test_literal_where_dependency_needed():
    with pytest.raises(TypeError, match=r"source\('x'\).*value\('x'\)"):
        parameterize(out={"a": "x"})
    with pytest.raises(TypeError, match="@inject"):
        inject(a=3)
    with pytest.raises(TypeError, match="ParameterizedExtract"):
        parameterize_extract_columns(("a", "b"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="node name"):
        parameterize_sources(out={"a": source("x")})  # type: ignore[dict-item]


@parameterize(out_one={"missing_param": value(1)})
def lacks_param(a: int) -> int:
    return a


@inject(nope=source("a"))
def lacks_injected(a: int) -> int:
    return a


def test_parameter_the_function_lacks_is_a_located_build_error():
    message = build_error(DecoratorError, "parameterize", lacks_param)
    assert "missing_param" in message and "out_one" in message
    assert "parameters are a" in message
    message = build_error(DecoratorError, "inject", lacks_injected)
    assert "nope" in message


def _times(x: int, k: int) -> int:
    return x * k


def test_colliding_output_names():
    with pytest.raises(TypeError, match="given twice") as info:
        parameterize_values(parameter="p", assigned_output={("a", "doc"): 1,
                                                            ("a", "other doc"): 2})(_times)
    assert_located(info.value, "parameterize_values", _times)
    with pytest.raises(TypeError, match="not a valid node name"):
        parameterize(**{"": {"a": value(1)}})


@parameterize_extract_columns(
    ParameterizedExtract(("same", "b1"), {"factor": value(1)}),
    ParameterizedExtract(("same", "b2"), {"factor": value(2)}),
)
def colliding_columns(raw: pd.Series, factor: int) -> pd.DataFrame:
    return pd.DataFrame({"x": raw})


@parameterize_extract_columns(ParameterizedExtract(("a1",), {"factor": value(1)}))
def not_a_frame(raw: int, factor: int) -> int:
    return raw


def test_parameterize_extract_columns_misuse():
    message = build_error(DecoratorError, "parameterize_extract_columns", colliding_columns)
    assert "'same'" in message and "unique" in message
    message = build_error(DecoratorError, "parameterize_extract_columns", not_a_frame)
    assert "not a DataFrame" in message


@parameterize_extract_columns(ParameterizedExtract(("only",), {"factor": value(1)}))
def wrong_width(raw: pd.Series, factor: int) -> pd.DataFrame:
    return pd.DataFrame({"x": raw, "y": raw})


def test_reassign_columns_width_mismatch_at_run_time():
    dr = build(wrong_width)
    with pytest.raises(ValueError, match="returned 2 columns"):
        dr.execute(["only"], inputs={"raw": pd.Series([1])})


@parameterize(cfg_out={"rate": configuration("absent_key")})
def needs_config(rate: float) -> float:
    return rate


def test_absent_configuration_key_is_located():
    message = build_error(DecoratorError, "parameterize", needs_config)
    assert "absent_key" in message


# -- hypothesis: parameterize equals hand-written functions ---------------------------------------

names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda n: n not in {"a", "b", "up1", "up2", "combine"})
bindings = st.sampled_from(["up1", "up2"]).map(source) | st.integers(-5, 5).map(value)


def combine(a: int, b: int) -> int:
    return a * 10 + b


@given(st.dictionaries(names, st.tuples(bindings, bindings), min_size=1, max_size=6),
       st.integers(-3, 3), st.integers(-3, 3))
def test_parameterize_matches_hand_written(spec, up1, up2):
    decorated = parameterize(**{out: {"a": a, "b": b} for out, (a, b) in spec.items()})(
        _fresh_combine())
    dr = build(decorated)
    got = dr.execute(list(spec), inputs={"up1": up1, "up2": up2})
    upstream = {"up1": up1, "up2": up2}

    def resolve_binding(binding):
        return upstream[binding.source] if hasattr(binding, "source") else binding.value

    expected = {out: combine(resolve_binding(a), resolve_binding(b))
                for out, (a, b) in spec.items()}
    assert got == expected
    for out, (a, b) in spec.items():
        deps = {d.name for d in dr.graph.nodes[out].dependencies}
        assert deps == {x.source for x in (a, b) if hasattr(x, "source")}


def _fresh_combine():
    def combine(a: int, b: int) -> int:
        return a * 10 + b

    return combine


@pytest.mark.parametrize("key", ["times_2", ("times_2",), ("times_2", "doc", "extra"),
                                 (2, "doc"), ("times_2", 5)])
def test_parameterize_values_keys_are_name_doc_pairs(key):
    """Hamilton refuses ``assigned_output={"times_2": 2}``: each key is ``(name, docstring)``.
    The refusal names the decorator, the function, its file:line and the accepted form."""
    with pytest.raises(DecoratorError) as info:
        parameterize_values(parameter="k", assigned_output={key: 2})(_times)
    message = assert_located(info.value, "parameterize_values", _times)
    assert location(_times) in message
    assert repr(key) in message and "(output name, docstring)" in message, message
    if key == "times_2":
        assert "{('times_2', 'What it is.'): 2}" in message, message


def test_parametrized_keys_are_name_doc_pairs_too():
    with pytest.warns(FutureWarning), pytest.raises(DecoratorError) as info:
        parametrized(parameter="k", assigned_output={"times_2": 2})(_times)
    assert_located(info.value, "parametrized", _times)


def test_parameterize_values_none_doc():
    """``(name, None)`` is accepted, as in Hamilton: the node has no docstring."""
    @parameterize_values(parameter="k", assigned_output={("times_2", None): 2})
    def times(x: int, k: int) -> int:
        """Not the node's docstring."""
        return x * k

    dr = build(times)
    assert dr.execute(["times_2"], inputs={"x": 4}) == {"times_2": 8}
    assert dr.graph.nodes["times_2"].doc == ""
