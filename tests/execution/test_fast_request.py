"""The fast path of a repeated request (dataflow.execution.request): same results, same errors,
same warnings, same plan-cache behaviour as the full path, for every request shape."""

from __future__ import annotations

import traceback
import warnings
from collections import Counter
from typing import Any, Protocol, runtime_checkable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflow import ad_hoc_utils, base, driver
from dataflow.errors import InputIgnoredWarning, InputTypeError, RequestError, UnknownOutputError
from dataflow.execution.compiled import REQUEST_STEPS
from tests.core.test_properties import _expected, _node_function, dags
from tests.execution.test_incremental_compile import _plain_function


def _driver(*functions: Any, config: dict | None = None, builder: Any = None) -> driver.Driver:
    module = ad_hoc_utils.create_temporary_module(*functions)
    return (driver.Builder().with_modules(module).with_config(config or {})
            .with_adapters(builder or base.DictResult()).build())


def _fast_shapes(dr: driver.Driver) -> list[Any]:
    return list(dr.plan_cache.fast)


@given(dags(), st.data(), st.booleans())
def test_every_execute_of_a_shape_gives_the_full_paths_results(dag, data, plain):
    inputs, parents, outputs, overridden = dag
    calls: Counter = Counter()
    make = _plain_function if plain else _node_function
    dr = _driver(*(make(name, p, calls) for name, p in parents.items()))
    for _ in range(data.draw(st.integers(3, 8))):  # the full path, then the fast one
        input_values = {name: data.draw(st.integers(-100, 100)) for name in inputs}
        overrides = {name: data.draw(st.integers(-100, 100)) for name in overridden}
        expected, expected_calls = _expected(parents, input_values, overrides, outputs)
        calls.clear()
        assert dr.execute(list(outputs), inputs=input_values, overrides=overrides) == expected
        assert calls == expected_calls
    assert len(_fast_shapes(dr)) == 1


def _spend() -> Any:
    def spend(raw: int, scale: float = 1.0) -> float:
        return raw * scale

    def doubled(spend: float) -> float:
        return spend * 2

    return spend, doubled


def test_a_mistyped_input_on_a_fast_shape_raises_the_full_paths_error():
    dr = _driver(*_spend())
    for value in (1, 2, 3):
        assert dr.execute(["doubled"], inputs={"raw": value}) == {"doubled": value * 2.0}
    assert _fast_shapes(dr)
    with pytest.raises(InputTypeError, match=r"raw: expected int, got str; refused by spend \("):
        dr.execute(["doubled"], inputs={"raw": "1"})
    assert dr.execute(["doubled"], inputs={"raw": True}) == {"doubled": 2.0}  # bool is an int


@runtime_checkable
class Sized(Protocol):
    size: int


class Box:
    def __init__(self, size: int | None = None) -> None:
        if size is not None:
            self.size = size


def test_accepted_classes_are_remembered_only_when_the_class_decides():
    def measured(thing: Sized) -> int:
        return thing.size

    dr = _driver(measured)
    for size in (1, 2, 3):
        assert dr.execute(["measured"], inputs={"thing": Box(size)}) == {"measured": size}
    # a Box without the attribute is refused although Boxes were accepted before
    with pytest.raises(InputTypeError, match="thing: expected"):
        dr.execute(["measured"], inputs={"thing": Box()})


def test_inputs_annotated_any_or_object_are_not_checked():
    def anything(a: Any, b: object) -> tuple:
        return (a, b)

    dr = _driver(anything)
    for value in (1, "x", None, [1]):
        assert dr.execute(["anything"], inputs={"a": value, "b": value}) == {
            "anything": (value, value)}


def test_overrides_config_absent_outputs_and_pass_through_on_the_fast_path():
    def base_value(x: int, offset: int) -> int:
        return x + offset

    def top(base_value: int, maybe: int | None = None) -> int:
        return base_value * 10 + (maybe or 0)

    dr = _driver(base_value, top, config={"offset": 5})
    for x in range(4):
        request = dict(inputs={"x": x, "base_value": 100}, overrides={"base_value": x})
        assert dr.execute(["top", "x"], **request) == {"top": x * 10, "x": x}
        assert dr.execute(["top", "maybe"], inputs={"x": x}) == {"top": (x + 5) * 10,
                                                                 "maybe": None}
        assert dr.execute(["top"], inputs={"x": x, "maybe": 1}) == {"top": (x + 5) * 10 + 1}
    assert len(_fast_shapes(dr)) == 3


def test_a_failure_on_the_fast_path_keeps_type_traceback_and_note():
    def ratio(a: float, b: float) -> float:
        return a / b

    dr = _driver(ratio)
    for _ in range(3):
        assert dr.execute(["ratio"], inputs={"a": 1.0, "b": 2.0}) == {"ratio": 0.5}
    assert _fast_shapes(dr)
    with pytest.raises(ZeroDivisionError) as caught:
        dr.execute(["ratio"], inputs={"a": 1.0, "b": 0.0})
    assert "<dataflow plan steps" in "".join(traceback.format_tb(caught.value.__traceback__))
    assert "node 'ratio'" in caught.value.__notes__[0]
    assert "a: float, b: float" in caught.value.__notes__[0]
    assert caught.value.__suppress_context__


def test_request_errors_are_the_full_paths_on_every_call():
    dr = _driver(*_spend())
    for _ in range(3):
        dr.execute(["doubled"], inputs={"raw": 1})
        with pytest.raises(UnknownOutputError, match="Did you mean 'doubled'"):
            dr.execute(["doubld"], inputs={"raw": 1})
        with pytest.raises(RequestError, match="the string 'doubled'"):
            dr.execute("doubled", inputs={"raw": 1})  # type: ignore[arg-type]
        with pytest.raises(RequestError, match="expected node names or functions"):
            dr.execute([["doubled"]], inputs={"raw": 1})  # type: ignore[list-item]
        with pytest.raises(Exception, match="raw"):
            dr.execute(["doubled"], inputs={})


def test_the_input_ignored_warning_is_given_once_per_shape_as_before():
    dr = _driver(*_spend())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(4):
            assert dr.execute(["doubled"], inputs={"raw": 1, "spend": 7.0}) == {"doubled": 2.0}
    assert [w.category for w in caught] == [InputIgnoredWarning]


def test_the_result_builder_hooks_and_executor_of_the_moment_are_used():
    class Recorder(base.DictResult):
        built = 0

        def build_result(self, **outputs: Any) -> dict[str, Any]:  # type: ignore[override]
            Recorder.built += 1
            return dict(outputs)

    dr = _driver(*_spend(), builder=Recorder())
    for _ in range(3):
        dr.execute(["doubled"], inputs={"raw": 1})
    assert Recorder.built == 3  # a custom builder is called on the fast path too
    dr.result_builder = base.DictResult()
    assert dr.execute(["doubled"], inputs={"raw": 1}) == {"doubled": 2.0}
    assert Recorder.built == 3


def test_the_fast_path_counts_hits_and_keeps_the_cache_lru():
    def a(x: int) -> int:
        return x

    def b(x: int) -> int:
        return x * 2

    dr = _driver(a, b)
    dr.plan_cache.resize(max_plans=2)
    for _ in range(3):
        dr.execute(["a"], inputs={"x": 1})
        dr.execute(["b"], inputs={"x": 1})
    hits = dr.plan_cache.hits
    dr.execute(["a"], inputs={"x": 1})  # fast; "a" becomes the most recent
    assert dr.plan_cache.hits == hits + 1
    dr.execute(["a", "b"], inputs={"x": 1})  # evicts ["b"], and every fast path with it
    assert [key[0] for key in dr.plan_cache.cached_keys()] == [("a",), ("a", "b")]
    assert _fast_shapes(dr) == [(("a", "b"), ("x",), ())]  # only the newest shape's
    assert dr.execute(["b"], inputs={"x": 3}) == {"b": 6}
    dr.plan_cache.clear()
    assert _fast_shapes(dr) == []
    assert dr.execute(["a"], inputs={"x": 4}) == {"a": 4}


def test_a_long_plan_takes_the_fast_path_through_its_runner():
    namespace: dict[str, Any] = {"__name__": "long_chain"}
    exec("def f0(x: int) -> int:\n    return x", namespace)
    length = REQUEST_STEPS * 3
    for i in range(1, length):
        exec(f"def f{i}(f{i - 1}: int) -> int:\n    return f{i - 1} + 1", namespace)
    dr = _driver(*[namespace[f"f{i}"] for i in range(length)])
    last = f"f{length - 1}"
    runner = None
    for x in range(6):  # the fast path through the runner, then through its compiled plan
        assert dr.execute([last], inputs={"x": x}) == {last: x + length - 1}
        if x == 2:
            runner = dr.plan_cache.cached_values()[0]
            runner.compile_steps(length)
    assert runner is not None and runner.runner is not None
    with pytest.raises(InputTypeError):
        dr.execute([last], inputs={"x": "0"})


def test_a_subclass_raw_execute_is_still_called_by_execute():
    class Counting(driver.Driver):
        raw_calls = 0

        def raw_execute(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
            Counting.raw_calls += 1
            return super().raw_execute(*args, **kwargs)

    spend, doubled = _spend()
    dr = Counting({}, ad_hoc_utils.create_temporary_module(spend, doubled),
                  adapter=base.DictResult())
    for _ in range(4):
        assert dr.execute(["doubled"], inputs={"raw": 1}) == {"doubled": 2.0}
    assert Counting.raw_calls == 4 and _fast_shapes(dr) == []
