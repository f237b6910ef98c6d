"""A rich progress display over a run (Hamilton's ``hamilton.plugins.h_rich``); needs ``rich``
(``pip install "dataflow[rich]"``), imported when this module is.

:class:`RichProgressBar` shows a bar per ``execute`` over the nodes the run computes; in a run
with a ``Parallelizable`` fan-out it counts tasks instead (a block is one), and adds a bar over
the block's items. The display is stopped when the run ends, however it ends (a failure, Ctrl-C),
and says so when it failed.

>>> import io
>>> from rich.console import Console
>>> from dataflow import ad_hoc_utils, driver
>>> def spend() -> float: return 10.0
>>> def doubled(spend: float) -> float: return spend * 2
>>> shown = io.StringIO()
>>> bar = RichProgressBar(run_desc="Budget", console=Console(file=shown, width=60))
>>> dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(spend, doubled))
...       .with_adapters(bar).build())
>>> dr.execute(["doubled"])
{'doubled': 20.0}
>>> "Budget" in shown.getvalue() and "100%" in shown.getvalue()
True
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import rich.progress
from rich.progress import Progress, TaskID

from dataflow.lifecycle import (
    GraphExecutionHook,
    NodeExecutionHook,
    TaskExecutionHook,
    TaskGroupingHook,
)

# relative: installed, this package is dataflow.plugins
from ._progress import purpose_name, sendable

__all__ = ["RichProgressBar"]


class RichProgressBar(TaskExecutionHook, TaskGroupingHook, GraphExecutionHook,
                      NodeExecutionHook):
    """A ``rich.progress.Progress`` display over each run.

    :param run_desc: the label of the run's bar (``"Running:"`` when empty).
    :param collect_desc: the label of a fan-out's bar over items (``"Collecting:"`` when empty).
    :param columns: the display's columns (rich's default ones when empty).
    :param kwargs: passed to ``rich.progress.Progress`` (``console``, ``transient``, ...).
    """

    def __init__(self, run_desc: str = "", collect_desc: str = "",
                 columns: list[str | rich.progress.ProgressColumn] | None = None,
                 **kwargs: Any) -> None:
        self._group_desc = run_desc or "Running:"
        self._expand_desc = collect_desc or "Collecting:"
        self._columns = list(columns or [])
        self._kwargs = kwargs
        self._progress: Progress | None = Progress(*self._columns, **kwargs)
        self._run: TaskID | None = None
        self._items: TaskID | None = None
        self._task_based = False
        self._events: list[tuple[str, dict[str, Any]]] = []  # a worker's, to report

    @property
    def progress(self) -> Progress | None:
        """The ``rich.progress.Progress`` display (its ``tasks`` are the bars of the last run)."""
        return self._progress

    # -- in worker processes: the display stays in the caller -------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """A copy (a worker's) has no display, and keeps the columns and ``Progress``
        arguments that pickle (``transient``, text columns, ...): a copy that runs a graph
        itself (a pickled driver) shows the same display, on rich's default console if
        ``console`` was given (a console does not pickle)."""
        state = dict(self.__dict__)
        sent = self.__dict__.get("_sent")
        if sent is None or sent[0] is not self._columns or sent[1] is not self._kwargs:
            sent = self._sent = (self._columns, self._kwargs, sendable(self._columns),
                                 sendable(self._kwargs))
        state.update(_progress=None, _run=None, _items=None, _events=[],
                     _columns=list(sent[2]), _kwargs=dict(sent[3]))
        state.pop("_sent", None)
        return state

    def report_to_caller(self) -> list[tuple[str, dict[str, Any]]] | None:
        """In a worker process: the hook calls its copy heard since the last report."""
        events, self._events = self._events, []
        return events or None

    def receive_from_worker(self, report: list[tuple[str, dict[str, Any]]]) -> None:
        """In the calling process: the workers' hook calls, replayed on the caller's display."""
        for hook, kwargs in report:
            getattr(self, hook)(**kwargs)

    def _in_worker(self, hook: str, **kwargs: Any) -> bool:
        if self._run is not None:
            return False
        self._events.append((hook, kwargs))
        return True

    # -- the display --------------------------------------------------------------------------

    def run_before_graph_execution(self, *, execution_path: Collection[str],
                                   **future_kwargs: Any) -> None:
        if self._progress is None:  # a copy of the adapter, run in a process of its own
            self._progress = Progress(*self._columns, **self._kwargs)
        progress = self._progress
        for task in list(progress.task_ids):  # the previous run's bars
            progress.remove_task(task)
        self._task_based = False
        self._items = None
        self._run = progress.add_task(self._group_desc, total=len(execution_path))
        progress.start()

    def run_after_graph_execution(self, *, success: bool = True, **future_kwargs: Any) -> None:
        if self._progress is None:
            return
        if not success and self._run is not None:
            self._progress.update(self._run, description=f"{self._group_desc} failed")
        self._progress.stop()
        self._run = None

    def run_before_node_execution(self, **future_kwargs: Any) -> None:
        pass

    def run_after_node_execution(self, **future_kwargs: Any) -> None:
        if self._in_worker("run_after_node_execution"):
            return
        if not self._task_based and self._progress is not None and self._run is not None:
            self._progress.advance(self._run)

    # -- task-based runs (fan-out) -----------------------------------------------------------

    def run_after_task_grouping(self, *, task_ids: list[str], **future_kwargs: Any) -> None:
        if self._progress is not None and self._run is not None:
            self._progress.update(self._run, total=len(task_ids), completed=0)
        self._task_based = True

    def run_after_task_expansion(self, *, parameters: dict[str, Any],
                                 **future_kwargs: Any) -> None:
        if self._progress is not None and self._run is not None:
            self._items = self._progress.add_task(self._expand_desc, total=len(parameters))

    def run_before_task_execution(self, *, purpose: Any = None, **future_kwargs: Any) -> None:
        name = purpose_name(purpose)
        if name != "GATHER" or self._in_worker("run_before_task_execution", purpose=name):
            return
        if self._progress is not None and self._run is not None and self._items is not None:
            self._progress.advance(self._run)  # the block counts as one task (once, however
            self._progress.stop_task(self._items)  # many Collects read it)
            self._items = None

    def run_after_task_execution(self, *, purpose: Any = None, **future_kwargs: Any) -> None:
        name = purpose_name(purpose)
        if self._in_worker("run_after_task_execution", purpose=name):
            return
        if self._progress is None or self._run is None:
            return
        if name == "EXECUTE_BLOCK":
            if self._items is not None:
                self._progress.advance(self._items)
        else:
            self._progress.advance(self._run)
