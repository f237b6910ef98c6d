"""The driver façade: execution semantics, errors, hooks, threads, pickling, deep graphs."""

from __future__ import annotations

import concurrent.futures
import inspect
import multiprocessing
import os
import pickle

import numpy as np
import pandas as pd
import pytest

from dataflow import ad_hoc_utils, base, driver, lifecycle
from dataflow.errors import InputIgnoredWarning, InputTypeError, MissingInputsError, RequestError
from tests.core import pickle_module, sample_module


def _dict_driver(*modules, config=None, adapters=()):
    return (driver.Builder().with_modules(*modules).with_config(config or {})
            .with_adapters(base.DictResult(), *adapters).build())


@pytest.fixture
def raw():
    return {
        "raw_spend": pd.Series([10.0, None, 30.0]),
        "raw_signups": pd.Series([1.0, 2.0, 3.0]),
    }


def test_builder_default_result_is_a_dict_and_legacy_driver_a_dataframe(raw):
    assert isinstance(driver.Builder().with_modules(sample_module).build()
                      .execute(["spend"], inputs=raw), dict)
    dr = driver.Driver({}, sample_module)
    frame = dr.execute(["spend", "spend_per_signup", "spend_mean"], inputs=raw)
    assert list(frame.columns) == ["spend", "spend_per_signup", "spend_mean"]
    assert frame["spend_per_signup"].tolist() == [10.0, 0.0, 10.0]
    assert frame["spend_mean"].tolist() == [40.0 / 3] * 3  # scalar broadcast


def test_legacy_driver_constructor_and_adapter(raw):
    dr = driver.Driver({}, sample_module, adapter=base.SimplePythonGraphAdapter(base.DictResult()))
    assert set(dr.execute(["spend"], inputs=raw)) == {"spend"}


def test_final_vars_may_be_functions(raw):
    dr = _dict_driver(sample_module)
    result = dr.execute([sample_module.spend_mean, "spend"], inputs=raw)
    assert list(result) == ["spend_mean", "spend"]


def test_final_vars_as_a_bare_string_is_a_clear_error(raw):
    with pytest.raises(RequestError, match=r"write \['spend'\]"):
        _dict_driver(sample_module).execute("spend", inputs=raw)


def test_only_needed_nodes_run():
    calls = []

    def a() -> int:
        calls.append("a")
        return 1

    def b(a: int) -> int:
        calls.append("b")
        return a + 1

    def c(a: int) -> int:
        calls.append("c")
        return a + 2

    dr = _dict_driver(ad_hoc_utils.create_temporary_module(a, b, c))
    assert dr.execute(["b"]) == {"b": 2}
    assert calls == ["a", "b"]


def test_overrides_short_circuit_upstream():
    calls = []

    def expensive() -> int:
        calls.append("expensive")
        return 1

    def cheap(expensive: int) -> int:
        calls.append("cheap")
        return expensive * 2

    dr = _dict_driver(ad_hoc_utils.create_temporary_module(expensive, cheap))
    assert dr.execute(["cheap"], overrides={"expensive": 21}) == {"cheap": 42}
    assert calls == ["cheap"]


def test_config_satisfies_inputs_and_clashes_with_inputs_are_refused(raw):
    dr = _dict_driver(sample_module, config={"scale": 10.0})
    assert dr.execute(["scaled_spend"], inputs=raw)["scaled_spend"].tolist() == [100, 0, 300]
    with pytest.raises(RequestError, match="both as config and as inputs"):
        dr.execute(["scaled_spend"], inputs={**raw, "scale": 1.0})


def test_optional_parameter_uses_its_default_unless_supplied(raw):
    dr = _dict_driver(sample_module)
    assert dr.execute(["scaled_spend"], inputs=raw)["scaled_spend"].tolist() == [20, 0, 60]
    assert dr.execute(["scaled_spend"], inputs={**raw, "scale": 1.0})["scaled_spend"][0] == 10


def test_missing_inputs_error_lists_all_of_them():
    dr = _dict_driver(sample_module)
    with pytest.raises(MissingInputsError) as caught:
        dr.execute(["spend_per_signup"])
    assert "raw_signups" in str(caught.value) and "raw_spend" in str(caught.value)


def test_input_of_wrong_type_names_input_expected_and_actual():
    dr = _dict_driver(sample_module)
    with pytest.raises(InputTypeError) as caught:
        dr.execute(["spend"], inputs={"raw_spend": [1.0, 2.0]})
    message = str(caught.value)
    assert "raw_spend: expected pandas.Series, got list" in message
    assert "refused by spend" in message and "sample_module.py:" in message


def test_validate_execution_raises_what_execute_would_and_runs_nothing():
    calls = []

    def a(x: int) -> int:
        calls.append("a")
        return x

    dr = _dict_driver(ad_hoc_utils.create_temporary_module(a))
    with pytest.raises(MissingInputsError):
        dr.validate_execution(["a"])
    with pytest.raises(InputTypeError):
        dr.validate_execution(["a"], inputs={"x": "one"})
    assert dr.validate_execution(["a"], inputs={"x": 1}) is None
    assert calls == []


class _Failure(Exception):
    pass


def test_failing_function_keeps_its_type_and_gains_a_note():
    dr = _dict_driver(ad_hoc_utils.create_temporary_module(failing_node))
    with pytest.raises(_Failure) as caught:
        dr.execute(["failing_node"], inputs={"amount": 1.5, "frame": pd.DataFrame()})
    notes = "\n".join(caught.value.__notes__)
    assert "node 'failing_node'" in notes
    assert f"test_driver.py:{failing_node.__code__.co_firstlineno}" in notes
    assert "amount: float" in notes and "frame: pandas.DataFrame" in notes


def failing_node(amount: float, frame: pd.DataFrame) -> float:
    raise _Failure("boom")


def test_plans_are_cached_per_request_shape(raw):
    dr = _dict_driver(sample_module)
    first = dr.execution_plan(["spend_mean"], inputs=raw)
    assert dr.execution_plan(["spend_mean"], inputs={k: v * 2 for k, v in raw.items()}) is first
    assert dr.execution_plan(["spend"], inputs=raw) is not first


def test_list_available_variables_and_tag_filter(raw):
    dr = _dict_driver(sample_module)
    variables = {v.name: v for v in dr.list_available_variables()}
    assert variables["raw_spend"].is_external_input
    assert variables["spend"].documentation == "Spend, cleaned."
    assert variables["scaled_spend"].optional_dependencies == {"scale"}
    tagged = dr.list_available_variables(tag_filter={"module": "tests.core.sample_module"})
    assert {v.name for v in tagged} == {
        "spend", "signups", "spend_per_signup", "spend_mean", "spend_zero_mean", "scaled_spend"}
    assert dr.list_available_variables(tag_filter={"module": ["nope", "also_nope"]}) == []


def test_lineage_queries(raw):
    dr = _dict_driver(sample_module)
    assert [v.name for v in dr.what_is_upstream_of("spend_mean")] == [
        "raw_spend", "spend", "spend_mean"]
    assert {v.name for v in dr.what_is_downstream_of("spend_mean")} == {
        "spend_mean", "spend_zero_mean"}
    assert [v.name for v in dr.what_is_the_path_between("raw_spend", "spend_mean")] == [
        "raw_spend", "spend", "spend_mean"]
    with pytest.raises(RequestError, match="Did you mean 'spend_mean'"):
        dr.what_is_upstream_of("spend_maen")


class _Recorder(lifecycle.NodeExecutionHook, lifecycle.GraphExecutionHook):
    def __init__(self):
        self.events = []

    def run_before_graph_execution(self, *, final_vars, execution_path, **kwargs):
        self.events.append(("graph-start", tuple(final_vars), tuple(execution_path)))

    def run_after_graph_execution(self, *, success, **kwargs):
        self.events.append(("graph-end", success))

    def run_before_node_execution(self, *, node_name, node_kwargs, **kwargs):
        self.events.append(("before", node_name, tuple(node_kwargs)))

    def run_after_node_execution(self, *, node_name, success, error, **kwargs):
        self.events.append(("after", node_name, success, type(error).__name__))


def test_lifecycle_hooks_see_every_node_and_failures(raw):
    recorder = _Recorder()
    dr = _dict_driver(sample_module, adapters=[recorder])
    dr.execute(["spend_mean"], inputs=raw)
    assert recorder.events == [
        ("graph-start", ("spend_mean",), ("spend", "spend_mean")),
        ("before", "spend", ("raw_spend",)),
        ("after", "spend", True, "NoneType"),
        ("before", "spend_mean", ("spend",)),
        ("after", "spend_mean", True, "NoneType"),
        ("graph-end", True),
    ]
    recorder.events.clear()
    with pytest.raises(TypeError):
        dr.execute(["spend_mean"], inputs={"raw_spend": pd.Series(["a", "b"])},
                   overrides={"spend": pd.Series([object()])})
    assert recorder.events[-2][:3] == ("after", "spend_mean", False)
    assert recorder.events[-1] == ("graph-end", False)


def test_async_functions_are_awaited():
    async def fetched(x: int) -> int:
        return x + 1

    def used(fetched: int) -> int:
        return fetched * 2

    dr = _dict_driver(ad_hoc_utils.create_temporary_module(fetched, used))
    assert dr.execute(["used"], inputs={"x": 1}) == {"used": 4}


def test_one_driver_runs_from_many_threads_at_once():
    def value(seed: int) -> np.ndarray:
        return np.full(1000, seed, dtype=float)

    def total(value: np.ndarray) -> float:
        return float(value.sum())

    dr = _dict_driver(ad_hoc_utils.create_temporary_module(value, total))
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda s: dr.execute(["total"], inputs={"seed": s})["total"],
                                range(200)))
    assert results == [1000.0 * s for s in range(200)]


def _run_pickled(payload: bytes) -> tuple:
    restored = pickle.loads(payload)
    return restored.execute(["pid_and_value"], inputs={"seed": 4})["pid_and_value"]


def test_driver_pickles_and_runs_in_another_process():
    dr = _dict_driver(pickle_module)
    payload = pickle.dumps(dr)
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        pid, result = pool.apply(_run_pickled, (payload,))
    assert result == 41
    assert pid != os.getpid()


def test_driver_on_a_temporary_module_pickles():
    dr = _dict_driver(ad_hoc_utils.create_temporary_module(pickle_module.base_value))
    restored = pickle.loads(pickle.dumps(dr))
    assert restored.execute(["base_value"], inputs={"seed": 2}) == {"base_value": 20}


def _chain_function(index: int):
    previous = f"n{index - 1}"

    def step(**kwargs: int) -> int:
        return kwargs[previous] + 1

    step.__name__ = step.__qualname__ = f"n{index}"
    step.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(previous, inspect.Parameter.KEYWORD_ONLY, annotation=int)],
        return_annotation=int,
    )
    step.__annotations__ = {previous: int, "return": int}
    return step


def test_a_100_000_deep_chain_builds_and_executes():
    depth = 100_000
    functions = [_chain_function(i) for i in range(1, depth + 1)]
    module = ad_hoc_utils.create_temporary_module(*functions)
    dr = _dict_driver(module)
    assert dr.execute([f"n{depth}"], inputs={"n0": 0}) == {f"n{depth}": depth}
    assert len(dr.what_is_upstream_of(f"n{depth}")) == depth + 1


class _Blob:
    """Stands for a large intermediate; weak references tell when it is freed."""


def test_intermediates_are_freed_after_their_last_consumer_in_both_runners(monkeypatch):
    import weakref

    refs: list = []
    seen_alive: list = []

    def blob() -> _Blob:
        made = _Blob()
        refs.append(weakref.ref(made))
        return made

    def consumer(blob: _Blob) -> int:
        return 1

    def later(consumer: int) -> int:
        seen_alive.append(refs[-1]() is not None)
        return consumer + 1

    monkeypatch.setattr(driver, "COMPILE_AFTER_RUNS", 2)
    dr = _dict_driver(ad_hoc_utils.create_temporary_module(blob, consumer, later))
    for _ in range(4):  # runs 1-2 interpreted, then compiled
        assert dr.execute(["later"]) == {"later": 2}
    assert seen_alive == [False, False, False, False]


def test_config_values_can_be_requested(raw):
    dr = _dict_driver(sample_module, config={"scale": 4.0})
    assert dr.execute(["scale"]) == {"scale": 4.0}


def test_input_named_like_a_function_is_ignored_with_a_warning_as_in_hamilton():
    calls = []

    def a(x: int) -> int:
        calls.append("a")
        return x + 1

    def b(a: int) -> int:
        return a * 10

    dr = _dict_driver(ad_hoc_utils.create_temporary_module(a, b))
    with pytest.warns(InputIgnoredWarning,
                      match=r"Input 'a' is not used: the function .*a \(.*test_driver.py") as w:
        assert dr.execute(["b"], inputs={"x": 1, "a": 100}) == {"b": 20}
    assert w[0].filename == __file__
    assert calls == ["a"]
    # an override of the same value does replace the node
    assert dr.execute(["b"], inputs={"x": 1}, overrides={"a": 100}) == {"b": 1000}
    assert calls == ["a"]
    # nothing else needed: the function still needs its own input
    with pytest.raises(MissingInputsError, match="x: int, needed by a"), \
            pytest.warns(InputIgnoredWarning) as caught:
        dr.raw_execute(["b"], inputs={"a": 100})
    assert caught[0].filename == __file__  # the warning points at the caller's line
