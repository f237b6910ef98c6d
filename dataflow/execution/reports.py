"""What hooks running in worker processes report back to the caller's adapters.

On :class:`~dataflow.execution.executors.MultiProcessingExecutor` (as the local or the remote
executor of a fan-out run too) a node's hooks, and a fan-out task's task hooks, run in the
worker, on that worker's copy of their adapter, so whatever the copy records stays there. An
adapter that needs the records in the calling process (a timer, a progress bar) defines two
methods:

* ``report_to_caller(self) -> Any``, called on the worker's copy after each task (a node, or
  a fan-out item, once its hooks have run, whether it succeeded or failed); what it returns
  must pickle, and travels back with the task's result (``None`` sends nothing);
* ``receive_from_worker(self, report) -> None``, called on the caller's own adapter with that
  report, before the run sees the node finish (so before ``run_after_graph_execution``). It is
  called from the pool's watcher thread: keep it thread-safe.

Threads and the in-process runners call the hooks on the caller's adapter itself, so they
report nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from typing import Any

from dataflow.execution.failures import add_note
from dataflow.execution.hooks import Hook, hook_failure
from dataflow.execution.tasks import NodeHooks

_REPORTS = "__dataflow_worker_reports__"


def _hook_methods(value: Any) -> list[Hook]:
    """The hook methods a worker will call from ``value``, one of a task's arguments: a
    :class:`~dataflow.execution.tasks.NodeHooks`, or a holder of one (``node``) and of task
    hooks (``before_task``, ``after_task``), as a fan-out item's hooks."""
    if isinstance(value, NodeHooks):
        return [*value.before, *value.after, *([value.method] if value.method else [])]
    node = getattr(value, "node", None)
    task_hooks = [*getattr(value, "before_task", ()), *getattr(value, "after_task", ())]
    if not isinstance(node, NodeHooks) and not task_hooks:
        return []
    return [*(_hook_methods(node) if node is not None else []), *task_hooks]


def reporting_adapters(*arguments: Any) -> list[Any]:
    """The distinct adapters behind the hooks among a task's ``arguments`` that report to the
    caller, in a fixed order (the same in the caller and in a worker's unpickled copy)."""
    adapters: dict[int, Any] = {}
    for argument in arguments:
        for _, method in _hook_methods(argument):
            owner = getattr(method, "__self__", None)
            if owner is not None and callable(getattr(owner, "report_to_caller", None)):
                adapters.setdefault(id(owner), owner)
    return list(adapters.values())


def _collect(arguments: tuple[Any, ...]) -> list[tuple[int, Any]]:
    reports = []
    for index, adapter in enumerate(reporting_adapters(*arguments)):
        report = adapter.report_to_caller()
        if report is not None:
            reports.append((index, report))
    return reports


def run_reporting(fn: Callable[..., Any], *arguments: Any) -> tuple[Any, list[tuple[int, Any]]]:
    """In a worker: ``fn(*arguments)`` (a task: :func:`~dataflow.execution.tasks.run_task`, a
    fan-out item, ...), and the reports of the adapters among its hooks (on the exception, as
    an attribute, when it fails)."""
    try:
        result = fn(*arguments)
    except BaseException as error:
        with contextlib.suppress(Exception):  # an exception without attributes: none sent
            setattr(error, _REPORTS, _collect(arguments))
        raise
    return result, _collect(arguments)


def _label(arguments: tuple[Any, ...]) -> str | None:
    """The node (or fan-out block) a task runs, for a note."""
    first = arguments[0] if arguments else None
    return getattr(first, "name", None) or getattr(first, "expander", None)


def reporting_submit(submit: Callable[..., Future[Any]]) -> Callable[..., Future[Any]]:
    """A process pool's ``submit`` whose tasks also bring back the reports of the adapters
    among their hooks, handed to the caller's adapters before the task's future is done. A task
    without such adapters is submitted as it is."""

    def reporting(fn: Callable[..., Any], *arguments: Any) -> Future[Any]:
        adapters = reporting_adapters(*arguments)
        if not adapters:
            return submit(fn, *arguments)
        inner = submit(run_reporting, fn, *arguments)
        outer: Future[Any] = Future()

        def deliver(reports: list[tuple[int, Any]], node_error: BaseException | None) -> None:
            for index, report in reports:
                adapter = adapters[index]
                try:
                    adapter.receive_from_worker(report)
                except BaseException as error:
                    hook = f"{type(adapter).__name__}.receive_from_worker"
                    if node_error is None:
                        hook_failure(error, hook, _label(arguments))
                        raise
                    # The node's own failure stays the one raised; it says the hook broke too.
                    add_note(node_error, f"dataflow: the lifecycle hook {hook} also failed "
                                         f"on this failure's report: "
                                         f"{type(error).__name__}: {error}")
                    return

        def forward(done: Future[Any]) -> None:
            if done.cancelled():
                outer.cancel()
                return
            result: Any = None
            error = done.exception()
            try:
                if error is None:
                    result, reports = done.result()
                    deliver(reports, None)
                else:
                    reports = getattr(error, _REPORTS, [])
                    if reports:
                        delattr(error, _REPORTS)
                        deliver(reports, error)
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

    return reporting


def submit_of(executor: Any, pool: Any) -> Callable[..., Future[Any]]:
    """``pool.submit``, reporting (:func:`reporting_submit`) when ``executor`` sends its tasks
    to processes."""
    if getattr(executor, "sends_to_processes", False):
        return reporting_submit(pool.submit)
    return pool.submit  # type: ignore[no-any-return]
