"""Plans carry, per step, what it waits for and how many steps read it, so that a runner that
runs steps in any order frees every value at its last use and computes the same outputs."""

from __future__ import annotations

import random
import weakref
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from dataflow import ad_hoc_utils
from dataflow.build import graph_from_modules
from dataflow.execution.inputs import start_values
from dataflow.execution.loop import run_plan, run_plan_out_of_order
from dataflow.plan import plan_for
from tests.core.test_properties import _expected, _node_function, dags


def _graph(*functions):
    return graph_from_modules([ad_hoc_utils.create_temporary_module(*functions)], {}, False)


def test_steps_know_what_they_wait_for_and_who_reads_them():
    def a(x: int) -> int: return x
    def b(a: int, x: int) -> int: return a + x
    def c(a: int, b: int) -> int: return a + b
    def d(c: int) -> int: return c

    plan = plan_for(_graph(a, b, c, d), ["d", "b"], {"x"})
    schedule = plan.schedule
    facts = {s.name: (w, n) for s, w, n in zip(plan.steps, schedule.waits_for,
                                                schedule.consumers)}
    assert facts == {"a": ((), 2), "b": (("a",), 1), "c": (("a", "b"), 1), "d": (("c",), 0)}
    assert schedule.leaf_consumers == (("x", 2),)
    assert plan.schedule is schedule  # worked out once, kept with the (cached) plan


class _Blob:
    """A large intermediate; a weak reference tells when the runner let it go."""


def test_an_out_of_order_runner_frees_each_intermediate_after_its_last_reader():
    refs: dict[str, weakref.ref] = {}
    alive_when: dict[str, dict[str, bool]] = {}

    def made(name):
        blob = _Blob()
        refs[name] = weakref.ref(blob)
        return blob

    def left() -> _Blob: return made("left")
    def right() -> _Blob: return made("right")
    def both(left: _Blob, right: _Blob) -> _Blob: return made("both")

    def total(both: _Blob) -> int:
        alive_when["total"] = {n: r() is not None for n, r in refs.items()}
        return 1

    plan = plan_for(_graph(left, right, both, total), ["total"], set())
    for seed in range(6):
        refs.clear()
        order = random.Random(seed)
        assert run_plan_out_of_order(plan, {}, order.choice) == {"total": 1}
        # left and right were read only by "both": freed before "total" ran
        assert alive_when["total"] == {"left": False, "right": False, "both": True}


@given(dags(), st.randoms(use_true_random=False))
def test_any_order_gives_the_in_order_result_and_keeps_only_outputs(dag, rng):
    inputs, parents, outputs, overridden = dag
    counter: Counter = Counter()
    functions = [_node_function(name, ps, counter) for name, ps in parents.items()]
    graph = _graph(*functions)
    input_values = {name: i + 2 for i, name in enumerate(inputs)}
    overrides = {name: 7 for name in overridden}
    plan = plan_for(graph, outputs, set(input_values) | set(overrides))
    expected, _ = _expected(parents, input_values, overrides, outputs)
    values = start_values(plan, {}, input_values, overrides)
    left = dict(values)
    assert run_plan_out_of_order(plan, left, rng.choice) == expected
    assert set(left) <= set(outputs)  # every other value was freed
    assert run_plan(plan, dict(values)) == expected
