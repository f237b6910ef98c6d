"""Per-node wall times of each run, readable after it: :class:`NodeTimer`.

Hamilton has no adapter for this (its ``PrintLn`` prints a node's time; its tracker sends them
to a server). Register a timer, run, then read ``timer.timings[run_id][node]`` (seconds) or
``timer.last_run`` for the latest run:

>>> import time
>>> from dataflow import ad_hoc_utils, driver
>>> def slow() -> int:
...     time.sleep(0.05)
...     return 1
>>> def quick(slow: int) -> int: return slow + 1
>>> timer = NodeTimer()
>>> dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(slow, quick))
...       .with_adapters(timer).build())
>>> dr.execute(["quick"])
{'quick': 2}
>>> sorted(timer.last_run), timer.last_run["slow"] >= 0.05
(['quick', 'slow'], True)

A node's time runs from the timer's before-node hook to its after-node hook, around the call
(other adapters' node hooks called in between, by registration order, count too). A node
run several times in one run (once per item of a ``Parallelizable`` block) has the sum of its
times, and ``calls[run_id][node]`` says how many.
A failed node is timed too. Works on every executor: on threads the timer is updated under a
lock; on :class:`~dataflow.execution.executors.MultiProcessingExecutor` each worker times the
nodes it runs and reports the times back to this object (``report_to_caller`` /
``receive_from_worker``, see :mod:`dataflow.execution.reports`), so they are all here when
``execute`` returns. On the async driver, an async node's time includes the awaits of other
nodes running meanwhile (it is wall time).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from dataflow.lifecycle import GraphExecutionHook, NodeExecutionHook

__all__ = ["NodeTimer"]

Times = dict[str, dict[str, tuple[float, int]]]
"""run id -> node -> (seconds, calls): what a worker reports."""


class NodeTimer(GraphExecutionHook, NodeExecutionHook):
    """Records the wall time of each node of each run.

    :ivar timings: ``{run_id: {node_name: seconds}}``, runs in the order they started.
    :ivar calls: ``{run_id: {node_name: times run}}`` (more than 1 inside fan-out blocks).
    :ivar run_times: ``{run_id: seconds}``, each whole run (from the graph hooks).
    :param keep_runs: how many runs to keep (the oldest are dropped); ``None`` keeps all.
    """

    def __init__(self, keep_runs: int | None = 100) -> None:
        if keep_runs is not None and keep_runs < 1:
            raise ValueError(f"NodeTimer(keep_runs={keep_runs!r}): keep at least 1 run, or "
                             "None for all.")
        self.keep_runs = keep_runs
        self._reset()

    def _reset(self) -> None:
        self.timings: dict[str, dict[str, float]] = {}
        self.calls: dict[str, dict[str, int]] = {}
        self.run_times: dict[str, float] = {}
        self._started: dict[tuple[str, str | None, str], float] = {}
        self._run_started: dict[str, float] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        """A copy (a worker's, or a pickled driver's) starts empty: nothing recorded here is
        sent, and a worker reports only what it timed."""
        return {"keep_runs": self.keep_runs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.keep_runs = state["keep_runs"]
        self._reset()

    @property
    def last_run_id(self) -> str | None:
        """The id of the latest run that started (``None`` before any)."""
        return next(reversed(self.timings), None)

    @property
    def last_run(self) -> dict[str, float]:
        """``{node_name: seconds}`` of the latest run (empty before any)."""
        run_id = self.last_run_id
        return dict(self.timings[run_id]) if run_id is not None else {}

    def _add(self, run_id: str, node_name: str, seconds: float, calls: int = 1) -> None:
        with self._lock:
            if run_id not in self.timings:
                self._open(run_id)
            times = self.timings[run_id]
            times[node_name] = times.get(node_name, 0.0) + seconds
            counts = self.calls[run_id]
            counts[node_name] = counts.get(node_name, 0) + calls

    def _open(self, run_id: str) -> None:
        self.timings[run_id] = {}
        self.calls[run_id] = {}
        while self.keep_runs is not None and len(self.timings) > self.keep_runs:
            oldest = next(iter(self.timings))
            del self.timings[oldest]
            del self.calls[oldest]
            self.run_times.pop(oldest, None)

    def run_before_graph_execution(self, *, run_id: str, **future_kwargs: Any) -> None:
        with self._lock:
            self._open(run_id)
        self._run_started[run_id] = time.perf_counter()

    def run_after_graph_execution(self, *, run_id: str, **future_kwargs: Any) -> None:
        started = self._run_started.pop(run_id, None)
        if started is not None and run_id in self.timings:
            self.run_times[run_id] = time.perf_counter() - started

    def run_before_node_execution(self, *, node_name: str, task_id: str | None = None,
                                  run_id: str = "", **future_kwargs: Any) -> None:
        self._started[(run_id, task_id, node_name)] = time.perf_counter()

    def run_after_node_execution(self, *, node_name: str, task_id: str | None = None,
                                 run_id: str = "", **future_kwargs: Any) -> None:
        ended = time.perf_counter()
        started = self._started.pop((run_id, task_id, node_name), None)
        if started is not None:  # None: a before-hook registered earlier raised
            self._add(run_id, node_name, ended - started)

    def report_to_caller(self) -> Times | None:
        """In a worker process: the times recorded since the last report (then forgotten)."""
        with self._lock:
            if not self.timings:
                return None
            report = {run_id: {node: (seconds, self.calls[run_id][node])
                               for node, seconds in times.items()}
                      for run_id, times in self.timings.items()}
            self.timings.clear()
            self.calls.clear()
        return report

    def receive_from_worker(self, report: Times) -> None:
        """In the calling process: add a worker's times."""
        for run_id, times in report.items():
            for node, (seconds, calls) in times.items():
                self._add(run_id, node, seconds, calls)
