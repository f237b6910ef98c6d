"""A plan compiled a few steps at a time between runs: every mix of compiled prefix and
interpreted rest gives the interpreted loop's results, failures and freeing."""

from __future__ import annotations

import threading
import weakref
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflow import ad_hoc_utils, base, driver
from dataflow.execution import runner as runner_module
from dataflow.execution.compiled import positional
from dataflow.execution.loop import run_plan
from dataflow.execution.runner import PlanRunner
from tests.core.test_properties import _expected, _node_function, dags


def _plain_function(name: str, parents: list[str], calls: Counter):
    """A plain ``def name(p0, p1, ...)``, which compiled code calls by position."""
    namespace = {"calls": calls, "__name__": "incremental_nodes"}
    body = " + ".join(f"{p} * {i + 1}" for i, p in enumerate(parents)) or "0"
    exec(f"def {name}({', '.join(f'{p}: int' for p in parents)}) -> int:\n"
         f"    calls[{name!r}] += 1\n"
         f"    return ({body} + {len(name)}) % 1_000_003\n", namespace)
    return namespace[name]


@given(dags(), st.data(), st.booleans())
def test_any_switch_point_gives_the_interpreted_results(dag, data, plain):
    inputs, parents, outputs, overridden = dag
    calls: Counter = Counter()
    make = _plain_function if plain else _node_function
    module = ad_hoc_utils.create_temporary_module(
        *(make(name, p, calls) for name, p in parents.items()))
    dr = driver.Builder().with_modules(module).with_adapters(base.DictResult()).build()
    input_values = {name: data.draw(st.integers(-100, 100)) for name in inputs}
    overrides = {name: data.draw(st.integers(-100, 100)) for name in overridden}
    plan = dr.execution_plan(outputs, inputs=input_values, overrides=overrides)
    if plain:
        assert all(positional(step) for step in plan.steps)
    expected, expected_calls = _expected(parents, input_values, overrides, outputs)

    def start() -> dict:
        return {**{n: input_values[n] for n in plan.provided_used if n in input_values},
                **{n: overrides[n] for n in plan.provided_used if n in overrides}}

    runner = PlanRunner(plan, compile_after=10**9)  # compiled only when told
    while True:
        calls.clear()
        values = start()
        assert runner.run(values) == expected
        assert calls == expected_calls
        assert set(values) == set(outputs)  # every intermediate and input freed
        if runner.runner is not None:
            break
        runner.compile_steps(data.draw(st.integers(1, 6)))
    assert runner.compiled_steps == len(plan.steps)
    assert run_plan(plan, start()) == expected


def _failing_chain(fail_at: int, length: int):
    def make(i: int):
        if i == 0:
            def n0(x: int) -> int:
                return x + 1
            return n0
        namespace: dict = {"__name__": "incremental_nodes"}
        raise_it = f"    if n{i - 1} == {fail_at}: raise ValueError('bad {i}')\n"
        exec(f"def n{i}(n{i - 1}: int) -> int:\n{raise_it}    return n{i - 1} + 1\n", namespace)
        return namespace[f"n{i}"]

    return ad_hoc_utils.create_temporary_module(*(make(i) for i in range(length)))


@pytest.mark.parametrize("compiled", [0, 3, 5, 9, 12])
def test_a_failure_has_the_same_type_and_note_wherever_the_switch_is(compiled):
    module = _failing_chain(fail_at=6, length=12)  # from x=0, n5 is 6: n6 raises
    dr = driver.Builder().with_modules(module).with_adapters(base.DictResult()).build()
    plan = dr.execution_plan(["n11"], inputs={"x": 0})
    runner = PlanRunner(plan, compile_after=10**9)
    runner.compile_steps(compiled)
    assert runner.run({"x": 10}) == {"n11": 22}
    with pytest.raises(ValueError, match="bad 6") as caught:
        runner.run({"x": 0})
    assert caught.value.__notes__ == [
        "dataflow: while computing node 'n6' with incremental_nodes.n6 (<string>:1); "
        "argument types: n5: int"]


class _Blob:
    pass


def test_values_are_freed_after_their_last_reader_before_and_after_the_switch(monkeypatch):
    refs: list = []
    alive: list = []

    def blob(x: int) -> _Blob:
        made = _Blob()
        refs.append(weakref.ref(made))
        return made

    def consumer(blob: _Blob) -> int:
        return 1

    def later(consumer: int) -> int:
        alive.append(refs[-1]() is not None)
        return consumer + 1

    module = ad_hoc_utils.create_temporary_module(blob, consumer, later)
    dr = driver.Builder().with_modules(module).with_adapters(base.DictResult()).build()
    runner = PlanRunner(dr.execution_plan(["later"], inputs={"x": 1}), compile_after=10**9)
    for count in (0, 1, 1, 1):
        runner.compile_steps(count)
        assert runner.run({"x": 1}) == {"later": 2}
    assert runner.runner is not None and alive == [False] * 4


class _Clock:
    """``time.perf_counter`` advancing 0.1 ms per reading: every run and every compile "takes"
    0.1 ms, so the runner's schedule does not depend on the machine's load."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 1e-4
        return self.now


def test_a_long_plan_is_compiled_over_several_runs_not_in_one(monkeypatch):
    monkeypatch.setattr(runner_module, "time", _Clock())
    monkeypatch.setattr(runner_module, "SHORT_PAUSE", 0.0)
    monkeypatch.setattr(runner_module, "MIN_STEPS", 1)
    module = _failing_chain(fail_at=-1, length=300)
    dr = driver.Builder().with_modules(module).with_adapters(base.DictResult()).build()
    plan = dr.execution_plan(["n299"], inputs={"x": 0})
    runner = PlanRunner(plan, compile_after=1)
    progress = []
    while runner.runner is None and len(progress) < 10_000:
        assert runner.run({"x": 0}) == {"n299": 300}
        progress.append(runner.compiled_steps)
    assert progress[-1] == 300 and progress == sorted(progress)
    steps_per_run = [b - a for a, b in zip([0, *progress], progress)]
    assert max(steps_per_run) < 300  # never the whole plan after one run


def test_threads_running_while_the_plan_compiles_get_the_same_results():
    module = _failing_chain(fail_at=-1, length=200)
    dr = driver.Builder().with_modules(module).with_adapters(base.DictResult()).build()
    results: list = []

    def work(offset: int) -> None:
        for i in range(60):
            results.append(dr.execute(["n199"], inputs={"x": offset + i})["n199"]
                           == offset + i + 200)

    threads = [threading.Thread(target=work, args=(k * 1000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 240 and all(results)


def _fully_compiled_results(module, final_vars, inputs, runs=6):
    dr = driver.Builder().with_modules(module).with_adapters(base.DictResult()).build()
    return [dr.execute(final_vars, inputs=inputs) for _ in range(runs)]


def test_values_named_like_the_generated_codes_own_names_keep_their_values():
    """``carry`` (the list that hands values from one compiled chunk to the next), ``v`` and
    ``fs`` are names of the generated code: an input or node so named must not overwrite them."""
    def a(x: int) -> int:
        return x + 1

    def carry(a: int) -> list:
        return [a]

    def v(a: int) -> int:
        return a * 2

    def fs(v: int, carry: list) -> tuple:
        return (v, tuple(carry))

    module = ad_hoc_utils.create_temporary_module(a, carry, v, fs)
    runs = _fully_compiled_results(module, ["fs", "carry"], {"x": 1})
    assert runs == [{"fs": (4, (2,)), "carry": [2]}] * len(runs)

    def out(carry: int, x: int) -> int:
        return carry + x

    def out2(out: int) -> int:
        return out * 2

    module = ad_hoc_utils.create_temporary_module(out, out2)
    dr = driver.Builder().with_modules(module).with_adapters(base.DictResult()).build()
    assert [dr.execute(["out2"], inputs={"carry": i, "x": 1}) for i in range(6)] == [
        {"out2": (i + 1) * 2} for i in range(6)]


def test_names_python_folds_to_one_identifier_stay_two_values():
    """Python reads identifiers in NFKC form, so a fullwidth ``ａ`` would be the local ``a`` in
    generated code: two nodes, one variable, and the wrong value once the plan is compiled."""
    from dataflow.function_modifiers import extract_fields

    @extract_fields({"\uff41": int})
    def src(x: int) -> dict:
        return {"\uff41": 1000}

    def a(x: int) -> int:
        return x + 1

    def uses(src: dict, a: int) -> int:
        return a

    module = ad_hoc_utils.create_temporary_module(src, a, uses)
    runs = _fully_compiled_results(module, ["\uff41", "uses", "a"], {"x": 5})
    assert runs == [{"\uff41": 1000, "uses": 6, "a": 6}] * len(runs)
