"""plugins.h_tqdm.ProgressBar and plugins.h_rich.RichProgressBar: real tqdm and rich writing to
a captured stream, beside Hamilton's bars."""

from __future__ import annotations

import doctest
import io
import os
import types
from typing import Any

import pytest
import tqdm
from rich.console import Console

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")

from dataflow import ad_hoc_utils, driver
from dataflow.execution import executors
from plugins import h_rich, h_tqdm
from plugins.h_rich import RichProgressBar
from plugins.h_tqdm import ProgressBar
from tests.plugins import timed_nodes


def fetched_prices(start: float) -> float:
    return start + 1


def taxed(fetched_prices: float) -> float:
    return fetched_prices * 1.2


def total(taxed: float, fetched_prices: float) -> float:
    return taxed + fetched_prices


def interrupted(total: float) -> float:
    raise KeyboardInterrupt


def broken(total: float) -> float:
    raise ValueError("no total")


FUNCTIONS = (fetched_prices, taxed, total, interrupted, broken)


def _module(side: str) -> types.ModuleType:
    if side == "hamilton":
        from hamilton import ad_hoc_utils as hamilton_ad_hoc

        return hamilton_ad_hoc.create_temporary_module(*FUNCTIONS)
    return ad_hoc_utils.create_temporary_module(*FUNCTIONS)


def _run(adapter: Any, final_vars: list[str], executor: Any = None) -> Any:
    builder = driver.Builder().with_modules(_module("dataflow")).with_adapters(adapter)
    if executor is not None:
        builder = (builder.enable_dynamic_execution(allow_experimental_mode=True)
                   .with_local_executor(executor))
    return builder.build().execute(final_vars, inputs={"start": 1.0})


def _last_frame(shown: io.StringIO) -> str:
    return shown.getvalue().split("\r")[-1].strip()


def _no_live_tqdm_bars() -> bool:
    return not any(not bar.disable for bar in list(tqdm.tqdm._instances))


# -- tqdm -------------------------------------------------------------------------------------

def test_tqdm_counts_the_nodes_names_each_and_says_complete_as_hamiltons_does():
    from hamilton import driver as hamilton_driver
    from hamilton.plugins import h_tqdm as hamilton_tqdm

    ours, theirs = io.StringIO(), io.StringIO()
    # mininterval=0: every update redraws (ours names the node on the next redraw)
    _run(ProgressBar(desc="Prices", file=ours, ascii=True, mininterval=0), ["total"])
    (hamilton_driver.Builder().with_modules(_module("hamilton"))
     .with_adapters(hamilton_tqdm.ProgressBar(desc="Prices", file=theirs, ascii=True))
     .build().execute(["total"], inputs={"start": 1.0}))
    for shown in (ours, theirs):
        frames = [frame.strip() for frame in shown.getvalue().split("\r") if frame.strip()]
        assert frames[-1].startswith("Prices -> Execution Complete!")
        assert "100%|##########| 3/3" in frames[-1]
        for name in ("fetched_prices", "taxed", "total"):
            assert any(f"Prices -> {name}" in frame for frame in frames), name
    assert _no_live_tqdm_bars()


def test_tqdm_passes_its_arguments_to_tqdm_and_cuts_long_names():
    shown = io.StringIO()
    bar = ProgressBar(desc="P", max_node_name_width=8, file=shown, ascii=True, unit_scale=True,
                      mininterval=0)
    _run(bar, ["total"])
    frames = shown.getvalue()
    assert "P -> fetch..." in frames and "fetched_prices" not in frames
    assert "P -> Execu..." in _last_frame(shown)


@pytest.mark.parametrize("executor", [None, executors.MultiThreadingExecutor(2),
                                      executors.MultiProcessingExecutor(2)],
                         ids=["sync", "threads", "processes"])
def test_tqdm_advances_on_every_executor(executor: Any):
    shown = io.StringIO()
    bar = ProgressBar(desc="Timed", file=shown, ascii=True)
    (driver.Builder().with_modules(timed_nodes).with_adapters(bar)
     .enable_dynamic_execution(allow_experimental_mode=True)
     .with_local_executor(executor or executors.SynchronousLocalTaskExecutor())
     .build().execute(["joined"], inputs={"start": 1.0}))
    assert "100%|##########| 3/3" in _last_frame(shown)
    assert bar.progress_bar is None and _no_live_tqdm_bars()


def test_tqdm_on_failure_says_where_and_is_closed():
    shown = io.StringIO()
    bar = ProgressBar(desc="Prices", file=shown, ascii=True)
    with pytest.raises(ValueError, match="no total"):
        _run(bar, ["broken"])
    last = _last_frame(shown)
    assert last.startswith("Prices -> Failed at broken") and "| 4/4" in last
    assert bar.progress_bar is None and _no_live_tqdm_bars()


def test_tqdm_on_ctrl_c_is_closed_without_noise(capsys):
    shown = io.StringIO()
    bar = ProgressBar(desc="Prices", file=shown, ascii=True)
    with pytest.raises(KeyboardInterrupt):
        _run(bar, ["interrupted"])
    assert _last_frame(shown).startswith("Prices -> Failed at interrupted")
    assert bar.progress_bar is None and _no_live_tqdm_bars()
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    assert "Traceback" not in shown.getvalue()
    # the next run starts a fresh bar
    _run(bar, ["total"])
    assert "Execution Complete!" in _last_frame(shown)


# -- rich -------------------------------------------------------------------------------------

def _console() -> tuple[Console, io.StringIO]:
    shown = io.StringIO()
    return Console(file=shown, width=100, force_terminal=False), shown


def _bars(bar: Any) -> list[tuple[str, Any, float]]:
    return [(t.description, t.total, t.completed) for t in bar._progress.tasks]


def test_rich_counts_the_nodes_as_hamiltons_does():
    from hamilton import driver as hamilton_driver
    from hamilton.plugins import h_rich as hamilton_rich

    console, shown = _console()
    ours = RichProgressBar(run_desc="Prices", console=console)
    _run(ours, ["total"])
    their_console, theirs_shown = _console()
    theirs = hamilton_rich.RichProgressBar(run_desc="Prices", console=their_console)
    (hamilton_driver.Builder().with_modules(_module("hamilton")).with_adapters(theirs)
     .build().execute(["total"], inputs={"start": 1.0}))
    assert _bars(ours) == _bars(theirs) == [("Prices", 3, 3)]
    assert "Prices" in shown.getvalue() and "100%" in shown.getvalue()
    assert not ours._progress.live.is_started


@pytest.mark.parametrize("executor", [executors.MultiThreadingExecutor(2),
                                      executors.MultiProcessingExecutor(2)],
                         ids=["threads", "processes"])
def test_rich_advances_on_pools(executor: Any):
    console, _ = _console()
    bar = RichProgressBar(console=console)
    (driver.Builder().with_modules(timed_nodes).with_adapters(bar)
     .enable_dynamic_execution(allow_experimental_mode=True).with_local_executor(executor)
     .build().execute(["joined"], inputs={"start": 1.0}))
    assert _bars(bar) == [("Running:", 3, 3)]


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_rich_on_failure_and_ctrl_c_stops_and_says_failed(error: type, capsys):
    console, shown = _console()
    bar = RichProgressBar(run_desc="Prices", console=console)
    with pytest.raises(error):
        _run(bar, ["broken" if error is ValueError else "interrupted"])
    assert not bar._progress.live.is_started
    assert _bars(bar) == [("Prices failed", 4, 4)]
    assert "Prices failed" in shown.getvalue() and "Traceback" not in shown.getvalue()
    assert capsys.readouterr().err == ""
    _run(bar, ["total"])  # the next run: a fresh bar, the failed one gone
    assert _bars(bar) == [("Prices", 3, 3)]


# -- fan-out: the task hooks as Hamilton calls them ---------------------------------------

def _hamilton_fan_out_calls() -> tuple[list[tuple[str, dict[str, Any]]], list[Any]]:
    """Every hook call a real Hamilton fan-out run makes (3 items, a 2-node block), and the
    final bars of Hamilton's own RichProgressBar on that run."""
    from hamilton import driver as hamilton_driver
    from hamilton import lifecycle
    from hamilton.execution import executors as hamilton_executors
    from hamilton.plugins import h_rich as hamilton_rich

    from tests.plugins import hamilton_fan_out as module

    calls: list[tuple[str, dict[str, Any]]] = []

    def recording(name: str) -> Any:
        return lambda self, **kwargs: calls.append((name, kwargs))

    hooks = ["run_before_graph_execution", "run_after_graph_execution",
             "run_before_node_execution", "run_after_node_execution",
             "run_before_task_execution", "run_after_task_execution",
             "run_after_task_grouping", "run_after_task_expansion"]
    Recorder = type("Recorder", (lifecycle.GraphExecutionHook, lifecycle.NodeExecutionHook,
                                 lifecycle.TaskExecutionHook, lifecycle.TaskGroupingHook),
                    {name: recording(name) for name in hooks})
    console, _ = _console()
    theirs = hamilton_rich.RichProgressBar(console=console)
    dr = (hamilton_driver.Builder().with_modules(module)
          .enable_dynamic_execution(allow_experimental_mode=True)
          .with_adapters(Recorder(), theirs)
          .with_local_executor(hamilton_executors.SynchronousLocalTaskExecutor()).build())
    assert dr.execute(["after"], inputs={"n": 3}) == {"after": 8}
    return calls, _bars(theirs)


def test_fan_out_bars_follow_hamiltons_task_hooks():
    calls, hamilton_bars = _hamilton_fan_out_calls()
    assert hamilton_bars == [("Running:", 5, 5), ("Collecting:", 3, 3)]

    console, _ = _console()
    rich_bar = RichProgressBar(console=console)
    shown = io.StringIO()
    tqdm_bar = ProgressBar(desc="Fan", file=shown, ascii=True, mininterval=0)
    item_counts = []
    for name, kwargs in calls:
        getattr(rich_bar, name)(**kwargs)
        getattr(tqdm_bar, name)(**kwargs)
        if tqdm_bar.item_bar is not None:
            item_counts.append((tqdm_bar.item_bar.n, tqdm_bar.item_bar.total))
    assert _bars(rich_bar) == hamilton_bars
    assert item_counts[0] == (0, 3) and item_counts[-1] == (3, 3)
    frames = [f.strip() for f in shown.getvalue().split("\r") if f.strip()]
    assert any("Fan -> items: 100%|##########| 3/3" in frame for frame in frames)
    assert "| 5/5" in frames[-1] and "Execution Complete!" in frames[-1]
    assert _no_live_tqdm_bars()


def test_the_module_examples_run():
    for module in (h_tqdm, h_rich):
        failed, attempted = doctest.testmod(module)
        assert attempted and not failed, module.__name__


def test_both_bars_on_the_async_driver():
    import asyncio

    from dataflow import async_driver

    async def first(start: float) -> float:
        await asyncio.sleep(0.01)
        return start

    async def second(start: float) -> float:
        await asyncio.sleep(0.01)
        return start

    def both(first: float, second: float) -> float:
        return first + second

    shown = io.StringIO()
    tqdm_bar = ProgressBar(desc="Async", file=shown, ascii=True)
    console, _ = _console()
    rich_bar = RichProgressBar(console=console)

    async def main() -> Any:
        dr = await (async_driver.Builder()
                    .with_modules(ad_hoc_utils.create_temporary_module(first, second, both))
                    .with_adapters(tqdm_bar, rich_bar).build())
        return await dr.execute(["both"], inputs={"start": 1.0})

    assert asyncio.run(main()) == {"both": 2.0}
    assert "100%|##########| 3/3" in _last_frame(shown)
    assert _bars(rich_bar) == [("Running:", 3, 3)]


@pytest.mark.usefixtures("ctrl_c_reaches_python")
def test_ctrl_c_during_a_process_run_closes_both_bars_quietly(tmp_path, capfd):
    from tests.execution import parallel_nodes

    shown = io.StringIO()
    tqdm_bar = ProgressBar(desc="Pool", file=shown, ascii=True)
    console, rich_shown = _console()
    rich_bar = RichProgressBar(console=console)
    dr = (driver.Builder().with_modules(parallel_nodes).with_adapters(tqdm_bar, rich_bar)
          .enable_dynamic_execution(allow_experimental_mode=True)
          .with_local_executor(executors.MultiProcessingExecutor(2)).build())
    with pytest.raises(KeyboardInterrupt):
        dr.execute(["sleeper", "interrupter"], inputs={"pid_dir": str(tmp_path)})
    assert tqdm_bar.progress_bar is None and _no_live_tqdm_bars()
    assert _last_frame(shown).startswith("Pool -> Failed")
    assert not rich_bar._progress.live.is_started
    assert "Running: failed" in rich_shown.getvalue()
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out + shown.getvalue()


def test_a_pickled_bar_keeps_the_constructor_arguments_that_can_travel():
    import pickle

    from rich.progress import BarColumn, TextColumn

    bar = ProgressBar(desc="Copied", file=io.StringIO(), ascii=True, ncols=60)
    copy = pickle.loads(pickle.dumps(bar))
    assert (copy.desc, copy.kwargs) == ("Copied", {"ascii": True, "ncols": 60})  # not the file
    assert bar.kwargs["ascii"] and "file" in bar.kwargs  # the caller's own bar keeps all

    console, _ = _console()
    rich_bar = RichProgressBar(run_desc="Copied", console=console, transient=True,
                               columns=["{task.description}", TextColumn("{task.completed}"),
                                        BarColumn()])
    rich_copy = pickle.loads(pickle.dumps(rich_bar))
    assert rich_copy._kwargs == {"transient": True}
    assert [type(c).__name__ for c in rich_copy._columns] == ["str", "TextColumn", "BarColumn"]
    rich_copy.run_before_graph_execution(execution_path=["a"])  # the copy's own display
    assert rich_copy.progress.columns[0] == "{task.description}"
    rich_copy.run_after_graph_execution(success=True)
