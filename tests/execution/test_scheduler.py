"""The ready queue, the run state shared by every out-of-order runner, driven directly: steps
are taken and reported finished in random interleavings (several in flight at once, each
reported any time later), and after every report exactly the values that something still
reads, and the outputs, are alive."""

from __future__ import annotations

import dataclasses
import doctest
import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflow import ad_hoc_utils
from dataflow.build import graph_from_modules
from dataflow.execution import scheduler
from dataflow.execution.inputs import start_values
from dataflow.execution.scheduler import ReadyQueue
from dataflow.plan import Plan, plan_for
from tests.core.test_properties import _expected, _node_function, dags


def _graph(*functions):
    return graph_from_modules([ad_hoc_utils.create_temporary_module(*functions)], {}, False)


def _alive(plan: Plan, initial: set[str], finished: set[int]) -> set[str]:
    """The names a queue must hold once the steps ``finished`` (indexes) have been reported:
    outputs, and values some unfinished step still reads; a provided value no step reads is
    never touched."""
    outputs = set(plan.outputs)
    read_later = {arg for index, step in enumerate(plan.steps) if index not in finished
                  for arg in step.args}
    read_ever = {arg for step in plan.steps for arg in step.args}
    present = initial | {plan.steps[index].name for index in finished}
    return {name for name in present
            if name in outputs or name in read_later or name not in read_ever}


def _run_interleaved(plan: Plan, values: dict, rng: random.Random) -> tuple[dict, Counter]:
    """Drive a queue as a concurrent runner would: at each turn either take a random ready
    step (start it) or report a random step in flight; check the whole state after each turn."""
    initial = set(values)
    queue = ReadyQueue(plan, values)
    steps = plan.steps
    assert queue.done == (not steps)
    position = {step.name: index for index, step in enumerate(steps)}
    taken: set[int] = set()
    finished: set[int] = set()
    in_flight: dict[int, object] = {}
    runs: Counter = Counter()
    while not queue.done:
        assert queue.ready or in_flight, "not done, yet nothing ready or in flight"
        if queue.ready and (not in_flight or rng.random() < 0.5):
            pick = rng.randrange(len(queue.ready))
            index = queue.ready[pick]
            del queue.ready[pick]
            assert index not in taken
            taken.add(index)
            in_flight[index] = steps[index].fn(**queue.arguments(index))
            runs[steps[index].name] += 1
        else:
            index = rng.choice(sorted(in_flight))
            queue.finish(index, in_flight.pop(index))
            finished.add(index)
            assert not queue.done or finished == set(range(len(steps)))
        assert set(queue.values) == _alive(plan, initial, finished)
        # ready: exactly the steps not taken whose steps-to-wait-for all finished
        schedule = plan.schedule
        can_start = {i for i in range(len(steps)) if i not in taken
                     and all(position[name] in finished for name in schedule.waits_for[i])}
        assert sorted(queue.ready) == sorted(can_start)
        assert len(queue.ready) == len(set(queue.ready))
    assert finished == taken == set(range(len(steps)))
    return queue.outputs(), runs


@given(dags(), st.randoms(use_true_random=False))
def test_any_interleaving_runs_each_step_once_frees_at_last_reader_and_keeps_outputs(dag, rng):
    inputs, parents, outputs, overridden = dag
    calls: Counter = Counter()
    graph = _graph(*(_node_function(name, ps, calls) for name, ps in parents.items()))
    input_values = {name: i + 2 for i, name in enumerate(inputs)}
    overrides = {name: 7 for name in overridden}
    plan = plan_for(graph, outputs, set(input_values) | set(overrides))
    expected, needed = _expected(parents, input_values, overrides, outputs)
    values = start_values(plan, {}, input_values, overrides)

    result, runs = _run_interleaved(plan, values, rng)

    assert result == expected
    assert runs == Counter({step.name: 1 for step in plan.steps}) == calls
    assert set(runs) == set(needed)


def test_a_step_reported_late_holds_back_its_readers_and_keeps_its_arguments():
    def source(x: int) -> int: return x + 1
    def slow(source: int) -> int: return source * 10
    def quick(source: int) -> int: return source + 1
    def after(slow: int, quick: int) -> int: return slow + quick

    plan = plan_for(_graph(source, slow, quick, after), ["after"], {"x"})
    index = {step.name: i for i, step in enumerate(plan.steps)}
    queue = ReadyQueue(plan, {"x": 1})
    assert list(queue.ready) == [index["source"]]
    queue.finish(queue.ready.popleft(), 2)
    assert set(queue.values) == {"source"}  # "x" had one reader: freed
    assert sorted(queue.ready) == sorted([index["slow"], index["quick"]])
    queue.ready.clear()  # both taken; "slow" (a fan-out, say) is reported much later
    queue.finish(index["quick"], 3)
    assert not queue.ready and not queue.done
    assert queue.values == {"source": 2, "quick": 3}  # "slow" still reads "source"
    queue.finish(index["slow"], 20)
    assert list(queue.ready) == [index["after"]]
    assert queue.arguments(index["after"]) == {"slow": 20, "quick": 3}
    assert queue.values == {"slow": 20, "quick": 3}
    queue.finish(queue.ready.popleft(), 23)
    assert queue.done and queue.values == {"after": 23} and queue.outputs() == {"after": 23}


def test_outputs_read_by_other_steps_and_requested_inputs_are_kept():
    def a(x: int) -> int: return x + 1
    def b(a: int, x: int) -> int: return a + x

    plan = plan_for(_graph(a, b), ["a", "b", "x"], {"x"})
    queue = ReadyQueue(plan, {"x": 5})
    while queue.ready:
        index = queue.ready.popleft()
        queue.finish(index, plan.steps[index].fn(**queue.arguments(index)))
    assert queue.done
    assert queue.outputs() == {"a": 6, "b": 11, "x": 5}
    assert queue.values == {"a": 6, "b": 11, "x": 5}


def test_a_plan_without_steps_is_done_at_once():
    def a(x: int) -> int: return x

    plan = plan_for(_graph(a), ["x"], {"x"})
    queue = ReadyQueue(plan, {"x": 1})
    assert queue.done and not queue.ready and queue.outputs() == {"x": 1}


def test_reporting_a_step_twice_or_before_it_is_ready_is_refused():
    def a(x: int) -> int: return x
    def b(a: int) -> int: return a

    plan = plan_for(_graph(a, b), ["b"], {"x"})
    queue = ReadyQueue(plan, {"x": 1})
    with pytest.raises(RuntimeError, match=r"node 'b' \(.*test_scheduler.py:\d+\)\), step 1 "
                                           "of the plan, was reported finished but was not "
                                           "ready"):
        queue.finish(1, 0)
    queue.finish(queue.ready.popleft(), 1)
    with pytest.raises(RuntimeError, match="had finished already"):
        queue.finish(0, 1)
    assert queue.values == {"a": 1} and not queue.done


def test_a_result_nobody_reads_and_nobody_asked_for_is_freed_at_once():
    def a(x: int) -> int: return x
    def b(x: int) -> int: return x + 1

    both = plan_for(_graph(a, b), ["a", "b"], {"x"})
    plan = dataclasses.replace(both, outputs=("b",), _schedule=[])  # "a" is run for nothing
    queue = ReadyQueue(plan, {"x": 1})
    first = queue.ready.popleft()
    assert plan.steps[first].name == "a"
    queue.finish(first, 1)
    assert queue.values == {"x": 1}
    queue.finish(queue.ready.popleft(), 2)
    assert queue.done and queue.values == {"b": 2}


def test_the_module_example_runs():
    failed, attempted = doctest.testmod(scheduler)
    assert attempted and not failed
