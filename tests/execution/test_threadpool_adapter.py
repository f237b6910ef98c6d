"""plugins.h_threadpool.FutureAdapter: Hamilton's lazily-submitting thread-pool adapter."""

from __future__ import annotations

import doctest
import threading
import time

import pandas as pd
import pytest

import plugins.h_threadpool
from dataflow import ad_hoc_utils, base, driver
from dataflow.execution import executors
from plugins.h_threadpool import FutureAdapter
from tests.execution import parallel_nodes


def _sleepy_module():
    def a() -> int:
        time.sleep(0.4)
        return 1

    def b() -> int:
        time.sleep(0.4)
        return 2

    def total(a: int, b: int) -> int:
        return a + b

    def bad(a: int) -> int:
        raise KeyError("no such rate")

    return ad_hoc_utils.create_temporary_module(a, b, total, bad)


def test_independent_nodes_overlap_and_the_result_is_resolved():
    dr = driver.Builder().with_modules(_sleepy_module()).with_adapters(FutureAdapter()).build()
    start = time.perf_counter()
    assert dr.execute(["total"]) == {"total": 3}
    assert time.perf_counter() - start < 0.7  # a and b one after the other take 0.8 s


def test_hooks_run_in_the_pool_threads_and_see_values_not_futures():
    seen: list[tuple[str, str, object]] = []

    class Where:
        def run_after_node_execution(self, *, node_name, result, **kwargs):
            seen.append((node_name, threading.current_thread().name, result))

    dr = (driver.Builder().with_modules(_sleepy_module())
          .with_adapters(FutureAdapter(thread_name_prefix="pool"), Where()).build())
    dr.execute(["total"])
    assert {name: result for name, _, result in seen} == {"a": 1, "b": 2, "total": 3}
    assert all(thread.startswith("pool") for _, thread, _ in seen)


def test_a_failing_node_raises_its_own_exception_with_the_note():
    dr = driver.Builder().with_modules(_sleepy_module()).with_adapters(FutureAdapter()).build()
    with pytest.raises(KeyError, match="no such rate") as caught:
        dr.execute(["bad"])
    assert any("node 'bad'" in note for note in caught.value.__notes__)


def test_the_wrapped_result_builder_builds_the_result():
    dr = (driver.Builder().with_modules(parallel_nodes)
          .with_adapters(FutureAdapter(result_builder=base.PandasDataFrameResult())).build())
    frame = dr.execute(["total", "left"], inputs={"start": 1})
    pd.testing.assert_frame_equal(frame, pd.DataFrame({"total": [10], "left": [4]}))


def test_same_results_as_hamilton_and_as_the_thread_executor():
    from hamilton import driver as h_driver
    from hamilton.plugins import h_threadpool as hamilton_threadpool

    theirs = (h_driver.Builder().with_modules(parallel_nodes)
              .with_adapters(hamilton_threadpool.FutureAdapter()).build())
    ours = driver.Builder().with_modules(parallel_nodes).with_adapters(FutureAdapter()).build()
    executor = (driver.Builder().with_modules(parallel_nodes)
                .enable_dynamic_execution(allow_experimental_mode=True)
                .with_local_executor(executors.MultiThreadingExecutor(2)).build())
    request = ["total", "left", "right"]
    expected = theirs.execute(request, inputs={"start": 3})
    assert ours.execute(request, inputs={"start": 3}) == expected
    assert executor.execute(request, inputs={"start": 3}) == expected


@pytest.mark.parametrize("module", [plugins.h_threadpool, executors])
def test_the_docstring_examples_run(module):
    failed, attempted = doctest.testmod(module)
    assert attempted and not failed


def test_it_is_a_result_builder_as_in_hamilton():
    from hamilton import lifecycle as h_lifecycle
    from hamilton.plugins import h_threadpool as hamilton_threadpool

    from dataflow import lifecycle

    assert isinstance(hamilton_threadpool.FutureAdapter(), h_lifecycle.ResultBuilder)
    assert isinstance(FutureAdapter(), lifecycle.ResultBuilder)
    assert FutureAdapter(result_builder=base.PandasDataFrameResult()).output_type() is (
        pd.DataFrame)
