"""Async nodes under node-execution adapters, and Hamilton's one-hook base classes
(``dataflow.lifecycle.base``) on the async and the sync drivers."""

from __future__ import annotations

import asyncio
import doctest
import gc
import importlib
import inspect
import logging
import os
import textwrap
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")

import dataflow.lifecycle.base
from dataflow import ad_hoc_utils, async_driver, driver
from dataflow.errors import DataflowError
from dataflow.lifecycle import GracefulErrorAdapter, accept_error_sentinels
from dataflow.lifecycle import base as lifecycle_base
from tests.compat.twin_import import load_source

SENTINEL = "FAILED"


def _module() -> Any:
    async def price(sku: str) -> float:
        await asyncio.sleep(0)
        if sku == "bad":
            raise ValueError(f"no price for {sku}")
        return 10.0

    def with_tax(price: float) -> float:
        return price * 1.2

    async def discounted(with_tax: float) -> float:
        await asyncio.sleep(0)
        return with_tax - 1

    def other() -> int:
        return 3

    @accept_error_sentinels
    def report(discounted: float) -> str:
        return "missing" if discounted == SENTINEL else f"{discounted:.1f}"

    async def wrong_type(sku: str) -> float:
        raise TypeError("not caught by the adapter")

    return ad_hoc_utils.create_temporary_module(price, with_tax, discounted, other, report,
                                                wrong_type)


def _adapter() -> GracefulErrorAdapter:
    return GracefulErrorAdapter(error_to_catch=ValueError, sentinel_value=SENTINEL)


def _sync_run(final_vars: list[str], sku: str) -> dict[str, Any]:
    dr = driver.Builder().with_modules(_module()).with_adapters(_adapter()).build()
    return dr.execute(final_vars, inputs={"sku": sku})


def _async_run(final_vars: list[str], sku: str) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        dr = await (async_driver.Builder().with_modules(_module())
                    .with_adapters(_adapter()).build())
        return await dr.execute(final_vars, inputs={"sku": sku})

    return asyncio.run(main())


def _sync_run_in_a_loop(final_vars: list[str], sku: str) -> dict[str, Any]:
    async def main() -> dict[str, Any]:  # the sync driver called from a running loop (notebook)
        return _sync_run(final_vars, sku)

    return asyncio.run(main())


def _threads_run(final_vars: list[str], sku: str) -> dict[str, Any]:
    from dataflow.execution import executors

    dr = (driver.Builder().with_modules(_module()).with_adapters(_adapter())
          .enable_dynamic_execution(allow_experimental_mode=True)
          .with_local_executor(executors.MultiThreadingExecutor(2)).build())
    return dr.execute(final_vars, inputs={"sku": sku})


RUNS = [_sync_run, _async_run, _sync_run_in_a_loop, _threads_run]


@pytest.mark.parametrize("run", RUNS, ids=lambda r: r.__name__)
def test_a_failing_async_node_yields_the_sentinel_and_its_dependents_are_skipped(run: Any):
    outputs = run(["price", "with_tax", "discounted", "other", "report"], "bad")
    assert outputs == {"price": SENTINEL, "with_tax": SENTINEL, "discounted": SENTINEL,
                       "other": 3, "report": "missing"}


@pytest.mark.parametrize("run", RUNS, ids=lambda r: r.__name__)
def test_async_nodes_that_succeed_are_untouched(run: Any):
    assert run(["discounted", "report"], "ok") == {"discounted": 11.0, "report": "11.0"}


@pytest.mark.parametrize("run", RUNS, ids=lambda r: r.__name__)
def test_an_error_of_another_type_still_propagates_with_its_note(run: Any):
    with pytest.raises(TypeError, match="not caught") as raised:
        run(["wrong_type"], "ok")
    assert any("wrong_type" in note for note in getattr(raised.value, "__notes__", []))


def test_the_results_match_a_sync_graph_under_the_same_adapter():
    """The same graph with plain functions: the reference the async runs must equal."""
    def price(sku: str) -> float:
        if sku == "bad":
            raise ValueError(sku)
        return 10.0

    def with_tax(price: float) -> float:
        return price * 1.2

    def discounted(with_tax: float) -> float:
        return with_tax - 1

    def other() -> int:
        return 3

    @accept_error_sentinels
    def report(discounted: float) -> str:
        return "missing" if discounted == SENTINEL else f"{discounted:.1f}"

    module = ad_hoc_utils.create_temporary_module(price, with_tax, discounted, other, report)
    dr = driver.Builder().with_modules(module).with_adapters(_adapter()).build()
    names = ["price", "with_tax", "discounted", "other", "report"]
    assert dr.execute(names, inputs={"sku": "bad"}) == _async_run(names, "bad")


# -- Hamilton's one-hook base classes ------------------------------------------------------

HOOKED_SOURCE = textwrap.dedent("""
    import asyncio

    from hamilton.lifecycle import base

    async def fetched(x: int) -> int:
        await asyncio.sleep(0.01)
        return x + 1

    def doubled(fetched: int) -> int:
        return fetched * 2

    async def breaks(doubled: int) -> int:
        raise KeyError("missing " + str(doubled))

    class Recorder(base.BasePostGraphConstructAsync, base.BasePreGraphExecuteAsync,
                   base.BasePreNodeExecuteAsync, base.BasePostNodeExecuteAsync,
                   base.BasePostGraphExecuteAsync):
        def __init__(self):
            self.events = []

        async def post_graph_construct(self, *, graph, modules, config):
            await asyncio.sleep(0)
            self.events.append(("constructed", config))

        async def pre_graph_execute(self, *, run_id, graph, final_vars, inputs, overrides):
            await asyncio.sleep(0)
            # Hamilton passes overrides=None when none were given, dataflow {}
            self.events.append(("graph start", list(final_vars), inputs, overrides or {}))

        async def pre_node_execute(self, *, run_id, node_, kwargs, task_id=None):
            await asyncio.sleep(0)
            self.events.append(("node start", node_.name, kwargs))

        async def post_node_execute(self, *, run_id, node_, kwargs, success, error, result,
                                    task_id=None):
            await asyncio.sleep(0)
            self.events.append(("node end", node_.name, result, success,
                                type(error).__name__))

        async def post_graph_execute(self, *, run_id, graph, success, error, results):
            await asyncio.sleep(0)
            self.events.append(("graph end", success, type(error).__name__, results))
    """)


def _hooked(side: str, tmp_path: Path) -> Any:
    path = tmp_path / "hooked.py"
    path.write_text(HOOKED_SOURCE)
    return load_source(HOOKED_SOURCE, str(path), source_root="hamilton", target_root=side,
                       stem="hooked")


def _events_of(side: str, tmp_path: Path) -> list[tuple[Any, ...]]:
    drivers = importlib.import_module(f"{side}.async_driver")
    module = _hooked(side, tmp_path)
    recorder = module.Recorder()

    async def main() -> None:
        dr = await (drivers.Builder().with_modules(module).with_config({"c": 1})
                    .with_adapters(recorder).build())
        assert await dr.execute(["doubled"], inputs={"x": 1}) == {"doubled": 4}
        with pytest.raises(KeyError):
            await dr.execute(["breaks"], inputs={"x": 1})

    asyncio.run(main())
    return recorder.events


def test_async_base_class_hooks_are_awaited_as_hamiltons_async_driver_awaits_them(tmp_path):
    ours = _events_of("dataflow", tmp_path)
    theirs = _events_of("hamilton", tmp_path)
    # Hamilton tells its graph hooks of a failed run nothing of the failure (an intended
    # difference, async-driver-hooks): compare the successful run, and our own failed run.
    first_run_end = theirs.index(next(e for e in theirs if e[0] == "graph end")) + 1
    assert ours[:first_run_end] == theirs[:first_run_end] == [
        ("constructed", {"c": 1}),
        ("graph start", ["doubled"], {"x": 1}, {}),
        ("node start", "fetched", {"x": 1}),
        ("node end", "fetched", 2, True, "NoneType"),
        ("node start", "doubled", {"fetched": 2}),
        ("node end", "doubled", 4, True, "NoneType"),
        ("graph end", True, "NoneType", {"doubled": 4}),
    ]
    assert ours[first_run_end:] == [
        ("graph start", ["breaks"], {"x": 1}, {}),
        ("node start", "fetched", {"x": 1}),
        ("node end", "fetched", 2, True, "NoneType"),
        ("node start", "doubled", {"fetched": 2}),
        ("node end", "doubled", 4, True, "NoneType"),
        ("node start", "breaks", {"doubled": 4}),
        ("node end", "breaks", None, False, "KeyError"),
        ("graph end", False, "KeyError", None),
    ]


def test_the_sync_driver_refuses_async_base_class_hooks_at_build(tmp_path):
    module = _hooked("dataflow", tmp_path)
    with pytest.raises(DataflowError, match=r"Recorder\.run_before_node_execution.*async def"):
        driver.Builder().with_modules(module).with_adapters(module.Recorder()).build()


def test_sync_base_class_hooks_run_on_the_sync_driver():
    def fetched(x: int) -> int:
        return x + 1

    class Recorder(lifecycle_base.BasePreNodeExecute, lifecycle_base.BasePostNodeExecute,
                   lifecycle_base.BasePreGraphExecute, lifecycle_base.BasePostGraphExecute,
                   lifecycle_base.BasePostGraphConstruct):
        def __init__(self) -> None:
            self.events: list[tuple[Any, ...]] = []

        def post_graph_construct(self, *, graph, modules, config):
            self.events.append(("constructed", len(modules)))

        def pre_graph_execute(self, *, run_id, graph, final_vars, inputs, overrides):
            self.events.append(("graph start", final_vars))

        def pre_node_execute(self, *, run_id, node_, kwargs, task_id=None):
            self.events.append(("node start", node_.name, node_.type, node_.input_types))

        def post_node_execute(self, *, run_id, node_, kwargs, success, error, result,
                              task_id=None):
            self.events.append(("node end", node_.name, result, success))

        def post_graph_execute(self, *, run_id, graph, success, error, results):
            self.events.append(("graph end", success, results))

    recorder = Recorder()
    dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(fetched))
          .with_adapters(recorder).build())
    assert dr.execute(["fetched"], inputs={"x": 1}) == {"fetched": 2}
    assert recorder.events == [
        ("constructed", 1), ("graph start", ["fetched"]),
        ("node start", "fetched", int, {"x": int}), ("node end", "fetched", 2, True),
        ("graph end", True, {"fetched": 2}),
    ]


def test_do_node_execute_async_wraps_each_node_on_the_async_driver():
    async def fetched(x: int) -> int:
        await asyncio.sleep(0)
        return x + 1

    def doubled(fetched: int) -> int:
        return fetched * 2

    class Retried(lifecycle_base.BaseDoNodeExecuteAsync):
        def __init__(self) -> None:
            self.called: list[str] = []

        async def do_node_execute(self, *, run_id, node_, kwargs, task_id=None):
            self.called.append(node_.name)
            value = node_.callable(**kwargs)
            return (await value) if inspect.isawaitable(value) else value

    adapter = Retried()

    async def main() -> Any:
        dr = await (async_driver.Builder()
                    .with_modules(ad_hoc_utils.create_temporary_module(fetched, doubled))
                    .with_adapters(adapter).build())
        return await dr.execute(["doubled"], inputs={"x": 1})

    assert asyncio.run(main()) == {"doubled": 4}
    assert adapter.called == ["fetched", "doubled"]


def test_every_async_base_class_of_hamilton_has_its_name_here():
    from hamilton.lifecycle import base as hamilton_base

    names = {name for name in dir(hamilton_base)
             if name.startswith("Base") and name.endswith("Async")}
    assert names and names <= set(dataflow.lifecycle.base.__all__)


def test_the_module_example_runs():
    failed, attempted = doctest.testmod(dataflow.lifecycle.base)
    assert attempted and not failed


def test_graceful_errors_of_async_nodes_beside_hamilton(tmp_path):
    """Intended difference graceful-error-async-nodes: Hamilton's AsyncDriver never calls a
    node execution method, so the node's error propagates; its sync driver does not await an
    async node, so a dependent receives the coroutine. Here both yield the sentinel."""
    source = textwrap.dedent("""
        import asyncio

        async def price(sku: str) -> float:
            await asyncio.sleep(0)
            raise ValueError("no price for " + sku)

        def with_tax(price: float) -> float:
            return price * 1.2
        """)
    path = tmp_path / "graceful.py"
    path.write_text(source)
    outcomes = {}
    for side in ("dataflow", "hamilton"):
        module = load_source(source, str(path), source_root="hamilton", target_root=side,
                             stem="graceful")
        drivers = importlib.import_module(f"{side}.async_driver")
        lifecycle = importlib.import_module(f"{side}.lifecycle")
        sync = importlib.import_module(f"{side}.driver")

        def adapter(lifecycle: Any = lifecycle) -> Any:
            return lifecycle.GracefulErrorAdapter(error_to_catch=ValueError,
                                                  sentinel_value=SENTINEL)

        async def main(drivers: Any = drivers, module: Any = module) -> Any:
            dr = await drivers.Builder().with_modules(module).with_adapters(adapter()).build()
            try:
                return await dr.execute(["with_tax"], inputs={"sku": "x"})
            except Exception as error:
                return type(error).__name__

        def sync_run(sync: Any = sync, module: Any = module) -> Any:
            dr = sync.Builder().with_modules(module).with_adapters(adapter()).build()
            try:
                return dr.execute(["with_tax"], inputs={"sku": "x"})
            except Exception as error:
                return type(error).__name__

        # Hamilton's sync driver leaves the coroutine unawaited: it must be collected (and its
        # warning silenced) here, so no log record may keep its traceback alive
        logging.disable(logging.CRITICAL)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                outcomes[side] = (asyncio.run(main()), sync_run())
                gc.collect()
        finally:
            logging.disable(logging.NOTSET)
    assert outcomes["dataflow"] == ({"with_tax": SENTINEL}, {"with_tax": SENTINEL})
    assert outcomes["hamilton"] == ("ValueError", "TypeError")


# -- any run_to_execute_node wrapper sees an async node's outcome ---------------------------

class Fallback:
    """A user's wrapper written for sync nodes: the node's ValueError becomes -1."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    def run_to_execute_node(self, *, node_name: str, node_callable: Any,
                            node_kwargs: dict[str, Any], **future_kwargs: Any) -> Any:
        try:
            value = node_callable(**node_kwargs)
        except ValueError:
            value = -1
        self.seen.append((node_name, value))
        return value


def _wrapped_module() -> Any:
    async def looked_up(key: str) -> int:
        await asyncio.sleep(0.01)
        if key == "bad":
            raise ValueError(key)
        return 5

    def doubled(looked_up: int) -> int:
        return looked_up * 2

    return ad_hoc_utils.create_temporary_module(looked_up, doubled)


def _wrapped_sync(key: str, adapter: Any) -> Any:
    dr = driver.Builder().with_modules(_wrapped_module()).with_adapters(adapter).build()
    return dr.execute(["doubled"], inputs={"key": key})


def _wrapped_async(key: str, adapter: Any) -> Any:
    async def main() -> Any:
        dr = await (async_driver.Builder().with_modules(_wrapped_module())
                    .with_adapters(adapter).build())
        return await dr.execute(["doubled"], inputs={"key": key})

    return asyncio.run(main())


def _wrapped_in_a_loop(key: str, adapter: Any) -> Any:
    async def main() -> Any:
        return _wrapped_sync(key, adapter)

    return asyncio.run(main())


def _wrapped_threads(key: str, adapter: Any) -> Any:
    from dataflow.execution import executors

    dr = (driver.Builder().with_modules(_wrapped_module()).with_adapters(adapter)
          .enable_dynamic_execution(allow_experimental_mode=True)
          .with_local_executor(executors.MultiThreadingExecutor(2)).build())
    return dr.execute(["doubled"], inputs={"key": key})


WRAPPED_RUNS = [_wrapped_sync, _wrapped_async, _wrapped_in_a_loop, _wrapped_threads]


@pytest.mark.parametrize("run", WRAPPED_RUNS, ids=lambda r: r.__name__)
def test_a_wrapper_sees_an_async_nodes_value_and_catches_its_error(run: Any):
    adapter = Fallback()
    assert run("ok", adapter) == {"doubled": 10}
    assert run("bad", adapter) == {"doubled": -2}
    assert adapter.seen == [("looked_up", 5), ("doubled", 10), ("looked_up", -1),
                            ("doubled", -2)]


def test_async_wrapped_nodes_still_overlap_on_the_async_driver():
    async def first() -> int:
        await asyncio.sleep(0.3)
        return 1

    async def second() -> int:
        await asyncio.sleep(0.3)
        return 2

    def both(first: int, second: int) -> int:
        return first + second

    async def main() -> Any:
        dr = await (async_driver.Builder()
                    .with_modules(ad_hoc_utils.create_temporary_module(first, second, both))
                    .with_adapters(Fallback()).build())
        started = asyncio.get_running_loop().time()
        result = await dr.execute(["both"])
        return result, asyncio.get_running_loop().time() - started

    result, seconds = asyncio.run(main())
    assert result == {"both": 3} and seconds < 0.55


def test_cancelling_a_run_cancels_a_wrapped_async_node():
    ended: list[str] = []

    async def slow() -> int:
        try:
            await asyncio.sleep(5)
        finally:
            ended.append("slow")
        return 1

    async def main() -> None:
        dr = await (async_driver.Builder()
                    .with_modules(ad_hoc_utils.create_temporary_module(slow))
                    .with_adapters(Fallback()).build())
        task = asyncio.ensure_future(dr.execute(["slow"]))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert ended == ["slow"]  # the node's own coroutine was cancelled, not left running

    started = time.perf_counter()
    asyncio.run(main())
    assert time.perf_counter() - started < 2


class Broken:
    def run_to_execute_node(self, **future_kwargs: Any) -> Any:
        raise RuntimeError("the adapter itself failed")


@pytest.mark.parametrize("run", [_wrapped_sync, _wrapped_async], ids=lambda r: r.__name__)
def test_a_wrapper_failing_on_an_async_node_is_named_with_the_node(run: Any):
    with pytest.raises(RuntimeError, match="the adapter itself") as raised:
        run("ok", Broken())
    notes = " ".join(getattr(raised.value, "__notes__", []))
    assert "Broken.run_to_execute_node" in notes and "'looked_up'" in notes


@pytest.mark.parametrize("run", WRAPPED_RUNS, ids=lambda r: r.__name__)
def test_a_node_error_through_a_wrapper_is_not_blamed_on_it(run: Any):
    class PassThrough:
        def run_to_execute_node(self, *, node_callable, node_kwargs, **future_kwargs):
            return node_callable(**node_kwargs)

    with pytest.raises(ValueError) as raised:
        run("bad", PassThrough())
    notes = " ".join(getattr(raised.value, "__notes__", []))
    assert "looked_up" in notes and "lifecycle hook" not in notes


def test_do_node_execute_calls_the_node_as_hamiltons_does():
    """Hamilton's ``do_node_execute`` examples call ``node_(**kwargs)``: the same adapter code
    gives the same results on both."""
    from hamilton import ad_hoc_utils as hamilton_ad_hoc
    from hamilton import driver as hamilton_driver
    from hamilton.lifecycle import base as hamilton_base

    def a(x: int) -> int:
        return x + 1

    def b(a: int) -> int:
        return a * 3

    def results(base_module, ad_hoc, driver_module) -> Any:
        class Bumped(base_module.BaseDoNodeExecute):
            def do_node_execute(self, *, run_id, node_, kwargs, task_id=None):
                value = node_(**kwargs)
                return value + 1000 if node_.name == "a" else value

        dr = (driver_module.Builder().with_modules(ad_hoc.create_temporary_module(a, b))
              .with_adapters(Bumped()).build())
        return dr.execute(["b"], inputs={"x": 1})

    ours = results(lifecycle_base, ad_hoc_utils, dataflow.driver)
    assert ours == results(hamilton_base, hamilton_ad_hoc, hamilton_driver) == {"b": 3006}
