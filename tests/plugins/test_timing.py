"""plugins.h_timing.NodeTimer: per-node wall times the caller reads after the run, on every
executor and on the async driver."""

from __future__ import annotations

import asyncio
import doctest
import os
import pickle

import pytest

from dataflow import async_driver, driver
from dataflow.execution import executors
from plugins import h_timing
from plugins.h_timing import NodeTimer
from tests.plugins import timed_nodes

EXECUTORS = {
    "sync": None,
    "threads": lambda: executors.MultiThreadingExecutor(2),
    "processes": lambda: executors.MultiProcessingExecutor(2),
}


def _driver(timer: NodeTimer, executor: str) -> driver.Driver:
    builder = driver.Builder().with_modules(timed_nodes).with_adapters(timer)
    make = EXECUTORS[executor]
    if make is not None:
        builder = (builder.enable_dynamic_execution(allow_experimental_mode=True)
                   .with_local_executor(make()))
    return builder.build()


@pytest.mark.parametrize("executor", EXECUTORS)
def test_each_nodes_wall_time_is_in_the_callers_timer(executor: str):
    timer = NodeTimer()
    dr = _driver(timer, executor)
    assert dr.execute(["joined"], inputs={"start": 1.0}) == {"joined": 4.0}
    run_id = timer.last_run_id
    assert run_id is not None and list(timer.timings) == [run_id]
    times = timer.timings[run_id]
    assert timer.last_run == times
    assert set(times) == {"short", "long", "joined"}
    assert 0.05 <= times["short"] < 0.25
    assert 0.25 <= times["long"] < 1.0
    assert times["joined"] < 0.2  # no sleep: far below the others even on a busy machine
    assert timer.calls[run_id] == {"short": 1, "long": 1, "joined": 1}
    assert timer.run_times[run_id] >= times["long"]


def test_on_processes_the_times_come_from_the_workers():
    timer = NodeTimer()
    dr = _driver(timer, "processes")
    assert dr.execute(["pid"], inputs={"start": 0.0})["pid"] != os.getpid()
    assert list(timer.last_run) == ["pid"]


@pytest.mark.parametrize("executor", EXECUTORS)
def test_a_failed_node_is_timed_and_runs_are_kept_apart(executor: str):
    timer = NodeTimer()
    dr = _driver(timer, executor)
    dr.execute(["short"], inputs={"start": 1.0})
    first = timer.last_run_id
    with pytest.raises(ZeroDivisionError):
        dr.execute(["broken"], inputs={"start": 1.0})
    second = timer.last_run_id
    assert first != second and list(timer.timings) == [first, second]
    assert set(timer.timings[first]) == {"short"}
    assert set(timer.timings[second]) == {"short", "long", "joined", "broken"}


def test_keep_runs_drops_the_oldest():
    timer = NodeTimer(keep_runs=2)
    dr = _driver(timer, "sync")
    for start in (1.0, 2.0, 3.0):
        dr.execute(["joined"], inputs={"start": start})
    assert len(timer.timings) == len(timer.calls) == len(timer.run_times) == 2
    with pytest.raises(ValueError, match="keep at least 1"):
        NodeTimer(keep_runs=0)


def test_async_driver_overlapping_nodes_each_get_their_own_time():
    import types

    async def first(start: float) -> float:
        await asyncio.sleep(0.2)
        return start

    async def second(start: float) -> float:
        await asyncio.sleep(0.2)
        return start

    def both(first: float, second: float) -> float:
        return first + second

    module = types.ModuleType("overlapping")
    for fn in (first, second, both):
        fn.__module__ = module.__name__
        setattr(module, fn.__name__, fn)
    timer = NodeTimer()

    async def main() -> dict:
        dr = await async_driver.Builder().with_modules(module).with_adapters(timer).build()
        return await dr.execute(["both"], inputs={"start": 1.0})

    assert asyncio.run(main()) == {"both": 2.0}
    times = timer.last_run
    assert 0.2 <= times["first"] < 0.39 and 0.2 <= times["second"] < 0.39
    assert timer.run_times[timer.last_run_id] < 0.39  # they overlapped


def test_a_pickled_timer_starts_empty_and_the_driver_still_pickles():
    timer = NodeTimer(keep_runs=5)
    dr = _driver(timer, "sync")
    dr.execute(["short"], inputs={"start": 1.0})
    copy = pickle.loads(pickle.dumps(timer))
    assert copy.timings == {} and copy.keep_runs == 5 and copy.last_run == {}
    restored = pickle.loads(pickle.dumps(dr))
    assert restored.execute(["short"], inputs={"start": 1.0}) == {"short": 2.0}


def test_the_module_example_runs():
    failed, attempted = doctest.testmod(h_timing)
    assert attempted and not failed
