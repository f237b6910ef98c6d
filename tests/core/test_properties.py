"""Property tests: random DAGs executed by the driver equal direct evaluation, and exactly the
needed nodes run."""

from __future__ import annotations

import inspect
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from dataflow import ad_hoc_utils, base, driver
from dataflow.execution.compiled import compile_plan


def _node_function(name: str, parents: list[str], calls: Counter):
    def compute(**kwargs: int) -> int:
        calls[name] += 1
        return (sum(kwargs[p] * (i + 1) for i, p in enumerate(parents)) + len(name)) % 1_000_003

    compute.__name__ = compute.__qualname__ = name
    compute.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(p, inspect.Parameter.KEYWORD_ONLY, annotation=int) for p in parents],
        return_annotation=int,
    )
    compute.__annotations__ = {**{p: int for p in parents}, "return": int}
    return compute


@st.composite
def dags(draw):
    """(parents of each node, requested outputs, overridden nodes); inputs are named x0.."""
    size = draw(st.integers(1, 25))
    inputs = [f"x{i}" for i in range(draw(st.integers(1, 3)))]
    parents: dict[str, list[str]] = {}
    for index in range(size):
        pool = inputs + list(parents)
        chosen = draw(st.lists(st.sampled_from(pool), max_size=4, unique=True))
        parents[f"n{index}"] = chosen
    names = list(parents)
    outputs = draw(st.lists(st.sampled_from(names), min_size=1, max_size=5, unique=True))
    overridden = draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    return inputs, parents, outputs, overridden


def _expected(parents, input_values, overrides, outputs):
    values = {**input_values, **overrides}
    needed: list[str] = []

    def evaluate(name):  # recursion is fine here: at most 25 nodes deep
        if name in values:
            return values[name]
        args = [evaluate(p) for p in parents[name]]
        needed.append(name)
        values[name] = (sum(a * (i + 1) for i, a in enumerate(args)) + len(name)) % 1_000_003
        return values[name]

    return {o: evaluate(o) for o in outputs}, Counter(needed)


@given(dags(), st.data())
def test_random_dags_match_direct_evaluation_and_run_only_what_is_needed(dag, data):
    inputs, parents, outputs, overridden = dag
    calls: Counter = Counter()
    module = ad_hoc_utils.create_temporary_module(
        *(_node_function(name, p, calls) for name, p in parents.items()))
    dr = driver.Builder().with_modules(module).with_adapters(base.DictResult()).build()
    input_values = {name: data.draw(st.integers(-100, 100)) for name in inputs}
    overrides = {name: data.draw(st.integers(-100, 100)) for name in overridden}

    result = dr.execute(outputs, inputs=input_values, overrides=overrides)

    expected, expected_calls = _expected(parents, input_values, overrides, outputs)
    assert result == expected
    assert calls == expected_calls  # each needed node exactly once, nothing else

    calls.clear()
    plan = dr.execution_plan(outputs, inputs=input_values, overrides=overrides)
    start = {**{n: input_values[n] for n in plan.provided_used if n in input_values},
             **{n: overrides[n] for n in plan.provided_used if n in overrides}}
    assert compile_plan(plan)(start) == expected
    assert calls == expected_calls
