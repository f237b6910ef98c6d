"""The progress bars, the timer and the logging adapter on a real fan-out run
(``Parallelizable`` / ``Collect``), on every pairing of local and remote executors: the task
hooks reach the caller's adapters, from worker processes too."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from rich.console import Console

from dataflow import driver
from dataflow.execution import executors
from plugins.h_logging import LoggingAdapter
from plugins.h_rich import RichProgressBar
from plugins.h_timing import NodeTimer
from plugins.h_tqdm import ProgressBar
from tests.execution import fanout_nodes

PAIRS = {
    "sync/sync": (executors.SynchronousLocalTaskExecutor, executors.SynchronousLocalTaskExecutor),
    "sync/threads": (executors.SynchronousLocalTaskExecutor,
                     lambda: executors.MultiThreadingExecutor(3)),
    "sync/processes": (executors.SynchronousLocalTaskExecutor,
                       lambda: executors.MultiProcessingExecutor(2)),
    "threads/threads": (lambda: executors.MultiThreadingExecutor(2),
                        lambda: executors.MultiThreadingExecutor(2)),
    "processes/processes": (lambda: executors.MultiProcessingExecutor(2),
                            lambda: executors.MultiProcessingExecutor(2)),
}


def _run(adapters: list[Any], pair: str, n: int = 5) -> dict[str, Any]:
    local, remote = PAIRS[pair]
    dr = (driver.Builder().with_modules(fanout_nodes).with_config({"scale": 1})
          .enable_dynamic_execution(allow_experimental_mode=True).with_adapters(*adapters)
          .with_local_executor(local()).with_remote_executor(remote()).build())
    return dr.execute(["after", "listing"], inputs={"n": n})


@pytest.mark.parametrize("pair", PAIRS)
def test_bars_count_tasks_and_items_and_the_timer_each_items_nodes(pair: str):
    shown = io.StringIO()
    tqdm_bar = ProgressBar(desc="Fan", file=shown, ascii=True, mininterval=0)
    rich_bar = RichProgressBar(console=Console(file=io.StringIO(), width=100))
    timer = NodeTimer()
    result = _run([tqdm_bar, rich_bar, timer], pair)
    assert result["after"] == 14621
    frames = [frame.strip() for frame in shown.getvalue().split("\r") if frame.strip()]
    # 6 tasks: expand, base, the block (once, though two Collects read it), 2 collects, after
    assert frames[-1].startswith("Fan -> Execution Complete!") and "| 6/6" in frames[-1]
    assert any("Fan -> items: 100%|##########| 5/5" in frame for frame in frames)
    assert [(t.description, t.total, t.completed) for t in rich_bar._progress.tasks] == [
        ("Running:", 6, 6), ("Collecting:", 5, 5)]
    assert timer.calls[timer.last_run_id] == {
        "items": 1, "base": 1, "doubled": 5, "squared": 5, "labelled": 5, "total": 1,
        "listing": 1, "after": 1}


@pytest.mark.parametrize("pair", ["sync/sync", "sync/threads"])
def test_logging_adapter_logs_tasks_at_info_and_nodes_at_debug(pair: str, caplog: Any):
    with caplog.at_level(logging.DEBUG, logger="fanout.log"):
        _run([LoggingAdapter("fanout.log")], pair, n=2)
    info = [r.getMessage().split(" - ", 1) for r in caplog.records if r.levelno == logging.INFO]
    assert ["Grouped into 6 tasks: logging per task"] in [m[1:] for m in info]
    assert ["Task 'expand-items.1.block-items'", "Returned"] in info
    node_done = [r for r in caplog.records if "Node 'doubled' - Done in" in r.getMessage()]
    assert len(node_done) == 2 and all(r.levelno == logging.DEBUG for r in node_done)
    assert node_done[0].getMessage().startswith("Task 'expand-items.")
