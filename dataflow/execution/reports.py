"""What node hooks running in worker processes report back to the caller's adapters.

On :class:`~dataflow.execution.executors.MultiProcessingExecutor` a node's hooks run in the
worker, on that worker's copy of their adapter, so whatever the copy records stays there. An
adapter that needs the records in the calling process (a timer, a progress bar) defines two
methods:

* ``report_to_caller(self) -> Any``, called on the worker's copy after each node (the node's
  hooks have run, whether it succeeded or failed); what it returns must pickle, and travels back
  with the node's result (``None`` sends nothing);
* ``receive_from_worker(self, report) -> None``, called on the caller's own adapter with that
  report, before the run sees the node finish (so before ``run_after_graph_execution``). It is
  called from the pool's watcher thread: keep it thread-safe.

Threads and the in-process runners call the hooks on the caller's adapter itself, so they
report nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Executor, Future, InvalidStateError
from typing import Any

from dataflow.execution.hooks import hook_failure
from dataflow.execution.tasks import NodeHooks, Task, run_task

_REPORTS = "__dataflow_worker_reports__"


def reporting_adapters(hooks: NodeHooks | None) -> list[Any]:
    """The distinct adapters behind ``hooks`` that report to the caller, in a fixed order (the
    same in the caller and in a worker's unpickled copy)."""
    if hooks is None:
        return []
    methods = [*hooks.before, *hooks.after, *([hooks.method] if hooks.method else [])]
    adapters: dict[int, Any] = {}
    for _, method in methods:
        owner = getattr(method, "__self__", None)
        if owner is not None and callable(getattr(owner, "report_to_caller", None)):
            adapters.setdefault(id(owner), owner)
    return list(adapters.values())


def _collect(hooks: NodeHooks | None) -> list[tuple[int, Any]]:
    reports = []
    for index, adapter in enumerate(reporting_adapters(hooks)):
        report = adapter.report_to_caller()
        if report is not None:
            reports.append((index, report))
    return reports


def run_task_reporting(task: Task, kwargs: dict[str, Any], hooks: NodeHooks | None,
                       run_id: str) -> tuple[Any, list[tuple[int, Any]]]:
    """In a worker: :func:`~dataflow.execution.tasks.run_task`, and the reports of its
    adapters (on the node's exception, as an attribute, when it fails)."""
    try:
        result = run_task(task, kwargs, hooks, run_id)
    except BaseException as error:
        with contextlib.suppress(Exception):  # an exception without attributes: none sent
            setattr(error, _REPORTS, _collect(hooks))
        raise
    return result, _collect(hooks)


def reporting_submit(pool: Executor, adapters: list[Any]) -> Callable[..., Future[Any]]:
    """A ``submit`` for :func:`~dataflow.execution.pooled.run_plan_on_pool` that runs each task
    with :func:`run_task_reporting` and hands the reports to ``adapters`` (the caller's, as
    :func:`reporting_adapters` lists them) before the task's future is done."""

    def deliver(reports: list[tuple[int, Any]], task: Task) -> None:
        for index, report in reports:
            adapter = adapters[index]
            try:
                adapter.receive_from_worker(report)
            except BaseException as error:
                hook_failure(error, f"{type(adapter).__name__}.receive_from_worker", task.name)
                raise

    def submit(fn: Any, task: Task, kwargs: dict[str, Any], hooks: NodeHooks | None,
               run_id: str) -> Future[Any]:
        inner = pool.submit(run_task_reporting, task, kwargs, hooks, run_id)
        outer: Future[Any] = Future()

        def forward(done: Future[Any]) -> None:
            if done.cancelled():
                outer.cancel()
                return
            error = done.exception()
            try:
                if error is None:
                    result, reports = done.result()
                    deliver(reports, task)
                else:
                    reports = getattr(error, _REPORTS, [])
                    if reports:
                        delattr(error, _REPORTS)
                        deliver(reports, task)
            except BaseException as failure:  # a receiving adapter failed: the run fails
                error = failure
            try:
                if error is None:
                    outer.set_result(result)
                else:
                    outer.set_exception(error)
            except InvalidStateError:  # the run cancelled it meanwhile
                pass

        def cancel_inner(done: Future[Any]) -> None:
            if done.cancelled():
                inner.cancel()

        outer.add_done_callback(cancel_inner)
        inner.add_done_callback(forward)
        return outer

    return submit
