"""A tqdm progress bar over a run (Hamilton's ``hamilton.plugins.h_tqdm``); needs ``tqdm``
(``pip install "dataflow[tqdm]"``), imported when this module is.

:class:`ProgressBar` shows one bar per ``execute``: its total is the number of nodes the run
computes, it advances as each finishes and names the node running. In a run with a
``Parallelizable`` fan-out, a second bar counts the items of the block as they finish. When the
run ends the bar says how (complete, or failed at which node) and is closed, also when the run
is interrupted (Ctrl-C): no bar is left behind to redraw itself.

>>> import io
>>> from dataflow import ad_hoc_utils, driver
>>> def spend() -> float: return 10.0
>>> def doubled(spend: float) -> float: return spend * 2
>>> shown = io.StringIO()
>>> dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(spend, doubled))
...       .with_adapters(ProgressBar(desc="Budget", file=shown, ascii=True)).build())
>>> dr.execute(["doubled"])
{'doubled': 20.0}
>>> print(shown.getvalue().split("\\r")[-1].strip())  # doctest: +ELLIPSIS
Budget -> Execution Complete!: 100%|##########| 2/2 [...]
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from typing import Any

import tqdm

from dataflow.lifecycle import (
    GraphExecutionHook,
    NodeExecutionHook,
    TaskExecutionHook,
    TaskGroupingHook,
)

# relative: installed, this package is dataflow.plugins
from ._progress import purpose_name, sendable

__all__ = ["ProgressBar"]

DONE = "Execution Complete!"


class ProgressBar(GraphExecutionHook, NodeExecutionHook, TaskGroupingHook, TaskExecutionHook):
    """A tqdm bar over each run.

    :param desc: what the bar is labelled (the dataflow's name is a good choice).
    :param max_node_name_width: the node name shown is padded to the longest name of the run,
        up to this width, and longer names are cut with ``...`` (so the bar does not jump).
    :param kwargs: passed to ``tqdm.tqdm`` (``file``, ``ascii``, ``leave``, ``ncols``, ...).
    """

    def __init__(self, desc: str = "Graph execution", max_node_name_width: int = 50,
                 **kwargs: Any) -> None:
        self.desc = desc
        self.max_node_name_width = max_node_name_width
        self.kwargs = kwargs
        self.node_name_target_width: int | None = None
        self.progress_bar: tqdm.tqdm[Any] | None = None
        self.item_bar: tqdm.tqdm[Any] | None = None
        self._task_based = False
        self._failed_at: str | None = None
        self._lock = threading.Lock()
        self._finished: list[tuple[str, dict[str, Any]]] = []  # a worker's, to report

    # -- in worker processes: the bars stay in the caller -----------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """A copy (a worker's) has no bar, and keeps the tqdm arguments that pickle (``ascii``,
        ``ncols``, ...): a copy that runs a graph itself (a pickled driver) shows the same bar,
        on tqdm's default stream if ``file`` was one that does not pickle (an open file)."""
        state = {k: v for k, v in self.__dict__.items() if k != "_lock"}
        kwargs = self.__dict__.get("_sent_kwargs")
        if kwargs is None or kwargs[0] is not self.kwargs:  # checked once per kwargs dict
            kwargs = self._sent_kwargs = (self.kwargs, sendable(self.kwargs))
        state.update(progress_bar=None, item_bar=None, _finished=[], kwargs=dict(kwargs[1]))
        state.pop("_sent_kwargs", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def report_to_caller(self) -> list[tuple[str, dict[str, Any]]] | None:
        """In a worker process: the hook calls its copy heard since the last report."""
        events, self._finished = self._finished, []
        return events or None

    def receive_from_worker(self, report: list[tuple[str, dict[str, Any]]]) -> None:
        """In the calling process: the workers' hook calls, replayed on the caller's bars."""
        for hook, kwargs in report:
            getattr(self, hook)(**kwargs)

    def _in_worker(self, hook: str, **kwargs: Any) -> bool:
        """Whether this is a worker's copy (no bar: the run's bar is the caller's); then the
        call is kept for the caller."""
        if self.progress_bar is not None:
            return False
        self._finished.append((hook, kwargs))
        return True

    # -- the bar ------------------------------------------------------------------------------

    def _shown_name(self, name: str) -> str:
        width = self.node_name_target_width or len(name)
        if len(name) > width:
            name = name[: max(width - 3, 0)] + "..."
        return name.ljust(width)

    def _describe(self, text: str, refresh: bool = False) -> None:
        """Show ``text`` after the description; on the bar's next refresh unless ``refresh``
        (redrawing at every node would cost far more than most nodes)."""
        if self.progress_bar is not None:
            self.progress_bar.set_description_str(f"{self.desc} -> {self._shown_name(text)}",
                                                  refresh=refresh)

    def run_before_graph_execution(self, *, execution_path: Collection[str],
                                   **future_kwargs: Any) -> None:
        self._close()
        longest = max((len(name) for name in execution_path), default=0)
        if self.node_name_target_width is None:
            self.node_name_target_width = min(max(longest, len(DONE)), self.max_node_name_width)
        self._task_based = False
        self._failed_at = None
        self.progress_bar = tqdm.tqdm(desc=self.desc, unit="funcs", total=len(execution_path),
                                      **self.kwargs)

    def run_before_node_execution(self, *, node_name: str, **future_kwargs: Any) -> None:
        if self._in_worker("run_before_node_execution", node_name=node_name):
            return
        with self._lock:
            self._describe(node_name)

    def run_after_node_execution(self, *, node_name: str, success: bool = True,
                                 **future_kwargs: Any) -> None:
        if self._in_worker("run_after_node_execution", node_name=node_name, success=success):
            return
        with self._lock:
            if not success and self._failed_at is None:
                self._failed_at = node_name
            if not self._task_based and self.progress_bar is not None:
                self.progress_bar.update(1)

    def run_after_graph_execution(self, *, success: bool = True, **future_kwargs: Any) -> None:
        with self._lock:
            if success:
                self._describe(DONE, refresh=True)
            elif self.progress_bar is not None:  # in full: the bar is done moving
                where = f" at {self._failed_at}" if self._failed_at else ""
                self.progress_bar.set_description_str(f"{self.desc} -> Failed{where}")
            self._close()

    def _close(self) -> None:
        for bar in (self.item_bar, self.progress_bar):
            if bar is not None:
                bar.close()
        self.item_bar = self.progress_bar = None

    # -- task-based runs (fan-out) -----------------------------------------------------------

    def run_after_task_grouping(self, *, task_ids: list[str], **future_kwargs: Any) -> None:
        """From here the main bar counts tasks (a ``Parallelizable`` block is one), and node
        hooks no longer advance it."""
        with self._lock:
            self._task_based = True
            if self.progress_bar is not None:
                self.progress_bar.reset(total=len(task_ids))
                self.progress_bar.unit = "tasks"

    def run_after_task_expansion(self, *, parameters: dict[str, Any],
                                 **future_kwargs: Any) -> None:
        with self._lock:
            if self.item_bar is not None:
                self.item_bar.close()
            if self.progress_bar is None:
                return
            self.item_bar = tqdm.tqdm(desc=f"{self.desc} -> items", unit="items",
                                      total=len(parameters),
                                      **{**self.kwargs, "position": 1, "leave": False})

    def run_before_task_execution(self, *, purpose: Any = None, **future_kwargs: Any) -> None:
        if purpose_name(purpose) != "GATHER" or self._in_worker(
                "run_before_task_execution", purpose=purpose_name(purpose)):
            return
        with self._lock:  # the block is over: it counts as one task of the main bar (once,
            if self.item_bar is not None:  # however many Collects read it)
                self.item_bar.close()
                self.item_bar = None
                if self.progress_bar is not None:
                    self.progress_bar.update(1)

    def run_after_task_execution(self, *, purpose: Any = None, **future_kwargs: Any) -> None:
        if self._in_worker("run_after_task_execution", purpose=purpose_name(purpose)):
            return
        with self._lock:
            if purpose_name(purpose) == "EXECUTE_BLOCK":
                if self.item_bar is not None:
                    self.item_bar.update(1)
            elif self.progress_bar is not None:
                self.progress_bar.update(1)
