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
