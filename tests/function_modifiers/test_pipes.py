"""pipe_input / pipe_output / step: success through real drivers, misuse with located errors."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflow import ad_hoc_utils
from dataflow.errors import DecoratorError, EdgeTypeError
from dataflow.function_modifiers import (
    group,
    pipe,
    pipe_input,
    pipe_output,
    source,
    step,
    value,
)
from dataflow.node import DECORATOR_TAG
from tests.function_modifiers import fixtures_reuse_pipes as fx
from tests.function_modifiers.helpers import assert_located, build


def _add(v: int, amount: int = 1) -> int:
    return v + amount


def _times(v: int, factor: int) -> int:
    return v * factor


def _no_params() -> int:
    return 1


def _upper(text: str) -> str:
    return text.upper()


def _to_text(v: int) -> str:
    return str(v)


# -- pipe_input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "expected"), [("big", 112), ("small", 1012)])
def test_pipe_input_chains_steps_with_sources_values_literals_and_when(mode, expected):
    dr = build(fx, config={"mode": mode})
    assert dr.execute(["piped_in"], inputs={"x": 1}) == {"piped_in": expected}
    names = set(dr.graph.nodes)
    assert {"piped_in.with_add", "piped_in.with_times", "piped_in.scaled",
            "piped_in.with_add_1"} <= names
    assert "piped_in.with_add_2" not in names  # one of the two .when steps is inactive
    step_node = dr.graph.nodes["piped_in.scaled"]
    assert step_node.tags[DECORATOR_TAG] == "pipe_input"
    assert {d.name for d in step_node.dependencies} == {"piped_in.with_times", "multiplier"}
    assert [d.name for d in dr.graph.nodes["piped_in"].dependencies] == ["piped_in.with_add_1"]
    assert "amount" not in names  # unbound parameters keep their defaults, never become inputs


def test_pipe_input_on_input_and_no_namespace():
    dr = build(fx, config={"mode": "big"})
    assert dr.execute(["second_param"], inputs={"a": 1, "b": 2}) == {"second_param": 112}
    assert "with_add" in dr.graph.nodes  # namespace=None: bare step names


def test_decorated_functions_stay_plain_functions():
    assert fx.piped_in(5) == 5
    assert fx.piped_out(2) == 20
    assert fx.second_param(1, 2) == 102


def test_pipe_alias_and_when_family():
    @pipe(
        step(_add, amount=1).when_in(region=["eu", "us"]),
        step(_add, amount=10).when_not_in(region=["eu"]),
        step(_times, factor=0).when_not(region="us"),
    )
    def total(x: int) -> int:
        return x

    results = {region: build(total, config={"region": region}).execute(
        ["total"], inputs={"x": 1})["total"] for region in ("eu", "us", "apac")}
    assert results == {"eu": 0, "us": 12, "apac": 0}
    assert build(total, config={"region": "us"}).graph.nodes["total.with_add"].tags[
        DECORATOR_TAG] == "pipe"


def test_named_namespaces():
    @pipe_input(
        step(_add).named("a"),
        step(_add).named("b", namespace="custom"),
        step(_add).named("c", namespace=None),
    )
    def total(x: int) -> int:
        return x

    dr = build(total)
    assert {"total.a", "custom.b", "c"} <= set(dr.graph.nodes)
    assert dr.execute(["total", "custom.b"], inputs={"x": 0}) == {"total": 3, "custom.b": 2}


def test_group_binding_in_a_step():
    def _sum_all(v: int, others: list[int]) -> int:
        return v + sum(others)

    def one() -> int:
        return 1

    @pipe_input(step(_sum_all, others=group(source("one"), value(10))))
    def total(x: int) -> int:
        return x

    assert build(total, one).execute(["total"], inputs={"x": 100}) == {"total": 111}


# -- pipe_output --------------------------------------------------------------------------------


def test_pipe_output_renames_raw_and_keeps_the_name():
    dr = build(fx, config={"mode": "big"})
    assert dr.execute(["piped_out", "piped_out.raw"], inputs={"x": 2}) == {
        "piped_out": 75, "piped_out.raw": 20}
    nodes = dr.graph.nodes
    assert [d.name for d in nodes["piped_out"].dependencies] == ["piped_out.with_times"]
    assert nodes["piped_out.raw"].tags[DECORATOR_TAG] == "pipe_output"
    assert DECORATOR_TAG not in nodes["piped_out"].tags  # the user's node keeps its own tags
    assert dr.execute([fx.piped_out], inputs={"x": 2}) == {"piped_out": 75}


def test_pipe_output_on_series_does_not_touch_input():
    raw = pd.Series([0.1, 0.4, 0.9])
    before = raw.copy()
    out = build(fx, config={"mode": "big"}).execute(["clipped"], inputs={"raw_values": raw})
    assert out["clipped"].tolist() == [0.2, 0.8, 1.0]
    pd.testing.assert_series_equal(raw, before)


def test_pipe_output_without_active_steps_keeps_the_node():
    @pipe_output(step(_add).when(never=True))
    def plain(x: int) -> int:
        return x

    dr = build(plain)
    assert set(dr.graph.nodes) == {"plain", "x"}


def test_pipe_output_on_output_selects_nodes():
    def _neg(v: int) -> int:
        return -v

    def _double(v: int) -> int:
        return 2 * v

    @pipe_output(step(_neg).on_output("total"), step(_double))
    def total(x: int) -> int:
        return x

    assert build(total).execute(["total"], inputs={"x": 3}) == {"total": -6}


# -- misuse -------------------------------------------------------------------------------------


def test_step_without_parameters_is_a_located_error():
    @pipe_input(step(_no_params))
    def total(x: int) -> int:
        return x

    with pytest.raises(DecoratorError) as caught:
        build(total)
    assert_located(str(caught.value), "pipe_input", total)
    assert "_no_params" in str(caught.value) and "no parameters" in str(caught.value)


def test_step_first_parameter_must_accept_the_piped_type():
    @pipe_input(step(_upper))
    def total(x: int) -> str:
        return str(x)

    with pytest.raises(DecoratorError) as caught:
        build(total)
    message = str(caught.value)
    assert_located(message, "pipe_input", total)
    assert "'text' is annotated str" in message and "int" in message


def test_step_arguments_must_fit_the_signature():
    @pipe_output(step(_times, factr=2))
    def total(x: int) -> int:
        return x

    with pytest.raises(DecoratorError) as caught:
        build(total)
    message = str(caught.value)
    assert_located(message, "pipe_output", total)
    assert "no parameter 'factr'" in message and "_times" in message
    assert "Did you mean 'factor'" in message


def test_step_missing_required_argument():
    @pipe_output(step(_times))
    def total(x: int) -> int:
        return x

    with pytest.raises(DecoratorError, match="factor"):
        build(total)


def test_last_step_type_must_match_the_parameter():
    @pipe_input(step(_to_text))
    def total(x: int) -> int:
        return x

    with pytest.raises(DecoratorError) as caught:
        build(total)
    assert_located(str(caught.value), "pipe_input", total)
    assert "returns str" in str(caught.value)


def test_pipe_output_type_mismatch_downstream_is_caught_by_the_graph():
    @pipe_output(step(_to_text))
    def total(x: int) -> int:
        return x

    def consumer(total: int) -> int:
        return total

    with pytest.raises(EdgeTypeError, match="total"):
        build(total, consumer)


def test_on_input_must_name_a_parameter():
    @pipe_input(step(_add), on_input="y")
    def total(x: int) -> int:
        return x

    with pytest.raises(DecoratorError) as caught:
        build(total)
    assert_located(str(caught.value), "pipe_input", total)
    assert "'y' is not a parameter" in str(caught.value)


def test_unknown_on_output_target():
    @pipe_output(step(_add), on_output="totl")
    def total(x: int) -> int:
        return x

    with pytest.raises(DecoratorError) as caught:
        build(total)
    assert_located(str(caught.value), "pipe_output", total)
    assert "Did you mean 'total'" in str(caught.value)


def test_constructor_misuse():
    with pytest.raises(TypeError, match="step"):
        pipe_input(_add)
    with pytest.raises(TypeError, match="function"):
        step("not a function")
    with pytest.raises(TypeError, match="one place"):
        pipe_input(step(_add).named("a", namespace="x"), namespace=None)
    with pytest.raises(ValueError, match="not both"):
        pipe_output(step(_add).on_output("a"), on_output="b")
    with pytest.raises(ValueError):
        pipe_output(step(_add), on_output=...)
    with pytest.raises(NotImplementedError):
        pipe_input(step(_add), on_input=["a", "b"])
    with pytest.raises(NotImplementedError):
        pipe_output(step(_add), collapse=True)


def test_duplicate_explicit_step_names():
    @pipe_input(step(_add).named("same"), step(_add).named("same"))
    def total(x: int) -> int:
        return x

    with pytest.raises(DecoratorError, match="already used"):
        build(total)


# -- equivalence with hand-written code ---------------------------------------------------------


@given(st.lists(st.tuples(st.sampled_from(["add", "times"]), st.integers(-5, 5)), max_size=6),
       st.integers(-100, 100), st.booleans())
def test_pipes_equal_direct_composition(chain, x, on_output):
    steps = [step(_add, amount=n) if kind == "add" else step(_times, factor=value(n))
             for kind, n in chain]
    decorator = pipe_output(*steps) if on_output else pipe_input(*steps)

    def total(x: int) -> int:
        return x + 7

    module = ad_hoc_utils.create_temporary_module(decorator(total))
    expected = x if on_output is False else x + 7
    for kind, n in chain:
        expected = expected + n if kind == "add" else expected * n
    if on_output is False:
        expected += 7
    assert build(module).execute(["total"], inputs={"x": x}) == {"total": expected}


def test_step_with_var_positional_parameters_is_rejected():
    def _total(*values: int) -> int:
        return sum(values)

    @pipe_output(step(_total))
    def numbers(x: int) -> int:
        return x

    with pytest.raises(DecoratorError) as caught:
        build(numbers)
    assert_located(str(caught.value), "pipe_output", numbers)
    assert "*values" in str(caught.value)


def test_step_arguments_cannot_be_steps_and_strings_are_literals():
    def _join(v: str, sep: str) -> str:
        return v + sep

    @pipe_output(step(_join, sep="upstream"))  # a plain string is a literal, as in Hamilton
    def text(x: str) -> str:
        return x

    assert build(text).execute(["text"], inputs={"x": "a"}) == {"text": "aupstream"}

    @pipe_output(step(_times, factor=step(_add)))
    def nested(x: int) -> int:
        return x

    with pytest.raises(DecoratorError) as caught:
        build(nested)
    assert_located(str(caught.value), "pipe_output", nested)
    assert "cannot be nested" in str(caught.value)


def test_step_on_output_naming_no_output_is_an_error():
    @pipe_output(step(_add).on_output("totl"))
    def total(x: int) -> int:
        return x

    with pytest.raises(DecoratorError) as caught:
        build(total)
    assert_located(str(caught.value), "pipe_output", total)
    assert "Did you mean 'total'" in str(caught.value)


# -- the naming forms of Hamilton's docs and examples (node names from Hamilton 1.90) ------------

def _naming_cases():
    def add(v: int, n: int = 1) -> int:
        return v + n

    def times(v: int, k: int = 2) -> int:
        return v * k

    add.__name__ = add.__qualname__ = "_add"
    times.__name__ = times.__qualname__ = "_times"
    return [  # (decorator, step node names Hamilton makes, value of f(x=1))
        (pipe_input(step(add), step(add, n=5), step(times)),
         ["f.with_add", "f.with_add_1", "f.with_times"], 14),
        (pipe_input(step(add).named("a", namespace="foo"), step(times).named("b", namespace=...)),
         ["f.b", "foo.a"], 4),
        (pipe_input(step(add).named("a", namespace=None), step(times).named("b")),
         ["a", "f.b"], 4),
        (pipe_input(step(add).named(name="", namespace="ns"), step(times)),
         ["f.with_times", "ns."], 4),
        (pipe_input(step(add).namespaced("ns"), step(times).namespaced(None)),
         ["ns.with_add", "with_times"], 4),
        (pipe_input(step(add).named("a"), step(times), namespace=None), ["a", "with_times"], 4),
        (pipe_input(step(add).named("a"), step(times), namespace="foo"),
         ["foo.a", "foo.with_times"], 4),
        (pipe_output(step(add), step(add, n=5), step(times)),
         ["f.raw", "f.with_add", "f.with_add_1", "f.with_times"], 14),
        # pipe_output keeps every step in the chain's namespace, whatever the step says
        (pipe_output(step(add).named("a"), step(times).named("b", namespace="foo"),
                     step(add).named("c", namespace=None)),
         ["f.a", "f.b", "f.c", "f.raw"], 5),
        (pipe_output(step(add).named(name="", namespace="ns"), step(times)),
         ["f.", "f.raw", "f.with_times"], 4),
        (pipe_output(step(add), step(times).named("b"), namespace=None),
         ["b", "f.raw", "with_add"], 4),
        (pipe_output(step(add), step(times).named("b"), namespace="foo"),
         ["f.raw", "foo.b", "foo.with_add"], 4),
        (pipe_output(step(add).namespaced("q"), step(times).namespaced(None)),
         ["f.raw", "f.with_add", "f.with_times"], 4),
        # default names count every earlier active step of the same function, named or not
        (pipe_output(step(add).named("a"), step(add), step(add, n=5)),
         ["f.a", "f.raw", "f.with_add_1", "f.with_add_2"], 8),
        (pipe_input(step(add), step(add).named("b"), step(add).when(mode="x"), step(add)),
         ["f.b", "f.with_add", "f.with_add_2"], 4),
    ]


@pytest.mark.parametrize(("decorator", "names", "result"), _naming_cases())
def test_step_names_match_hamilton(decorator, names, result):
    def f(x: int) -> int:
        return x

    dr = build(decorator(f))
    assert sorted(n for n, node in dr.graph.nodes.items() if not node.is_external
                  and n != "f") == names
    assert dr.execute(["f"], inputs={"x": 1}) == {"f": result}


def test_named_with_an_empty_name_needs_a_namespace():
    @pipe_input(step(_add).named(""), namespace=None)
    def total(x: int) -> int:
        return x

    assert_located(pytest.raises(DecoratorError, build, total).value, "pipe_input", total)
