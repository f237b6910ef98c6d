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
import pickle
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


def _collect(arguments: tuple[Any, ...], node_error: BaseException | None = None
             ) -> list[tuple[int, Any]]:
    """In a worker: the reports of the adapters among ``arguments``' hooks, each checked to
    pickle. A report that fails (``report_to_caller`` raised, or its value does not pickle)
    fails the task naming the hook, or, when the task failed already (``node_error``), is left
    out with a note on that error."""
    reports = []
    label = _label(arguments)
    for index, adapter in enumerate(reporting_adapters(*arguments)):
        hook = f"{type(adapter).__name__}.report_to_caller"
        try:
            report = adapter.report_to_caller()
            if report is not None:
                pickle.dumps(report)  # small; what does not pickle is named here, not lost
        except Exception as error:
            problem = (f"dataflow: the lifecycle hook {hook} failed in the worker"
                       f"{f' for node {label!r}' if label else ''} (what it returns travels "
                       f"back to the calling process and must pickle): "
                       f"{type(error).__name__}: {error}")
            if node_error is not None:
                add_note(node_error, problem)
                continue
            add_note(error, problem)
            raise
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
            setattr(error, _REPORTS, _collect(arguments, error))
        raise
    return result, _collect(arguments)


def run_in_worker(fn: Callable[..., Any], reports: bool, *arguments: Any) -> Any:
    """What a worker process runs for each task: ``fn(*arguments)`` (with the adapters'
    reports, :func:`run_reporting`, when ``reports``). An exception that would not survive the
    trip back to the calling process (it does not pickle, or does not unpickle: an
    ``__init__`` that takes other arguments than it passes to ``Exception``) is replaced by a
    :class:`~dataflow.execution.tasks.UnsendableExceptionError` naming it, so the run fails on
    the node's error instead of breaking the whole pool or losing it."""
    try:
        return run_reporting(fn, *arguments) if reports else fn(*arguments)
    except BaseException as error:
        stand_in = sendable(error)
        if stand_in is error:
            raise
        raise stand_in from stand_in.__cause__


def sendable(error: BaseException) -> BaseException:
    """``error`` if it pickles and unpickles (in this process), or else a stand-in naming it,
    with its notes, its text and its traceback."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception as problem:
        from dataflow.execution.tasks import UnsendableExceptionError

        return UnsendableExceptionError.standing_in(error, problem)


def _label(arguments: tuple[Any, ...]) -> str | None:
    """The node (or fan-out block) a task runs, for a note."""
    first = arguments[0] if arguments else None
    return getattr(first, "name", None) or getattr(first, "expander", None)


class _Forwarded(Future[Any]):
    """The caller's side of a task sent through :func:`reporting_submit`: done once the
    worker's task is done and its reports are delivered. Cancelling it cancels the task, and
    succeeds only if the task had not started (a running task is waited for, with its
    hooks), as a pool's own future does."""

    def __init__(self, inner: Future[Any]) -> None:
        super().__init__()
        self._inner = inner

    def cancel(self) -> bool:
        # the task's callback (``forward``) cancels this future when the task is cancelled
        return self._inner.cancel() and self.cancelled()

    def _cancel_now(self) -> None:
        """Cancelled, and its waiters told so (a bare ``Future.cancel`` tells no waiter: a
        ``concurrent.futures.wait`` on it would never return)."""
        if Future.cancel(self):
            self.set_running_or_notify_cancel()


def reporting_submit(submit: Callable[..., Future[Any]]) -> Callable[..., Future[Any]]:
    """A process pool's ``submit`` whose tasks run through :func:`run_in_worker` and also bring
    back the reports of the adapters among their hooks, handed to the caller's adapters before
    the task's future is done. A task without such adapters returns the pool's own future."""

    def reporting(fn: Callable[..., Any], *arguments: Any) -> Future[Any]:
        adapters = reporting_adapters(*arguments)
        if not adapters:
            return submit(run_in_worker, fn, False, *arguments)
        inner = submit(run_in_worker, fn, True, *arguments)
        outer = _Forwarded(inner)

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
                outer._cancel_now()
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
            except InvalidStateError:  # cannot happen (only this callback ends it); be safe
                pass

        inner.add_done_callback(forward)
        return outer

    return reporting


def submit_of(executor: Any, pool: Any) -> Callable[..., Future[Any]]:
    """``pool.submit``, reporting (:func:`reporting_submit`) when ``executor`` sends its tasks
    to processes."""
    if getattr(executor, "sends_to_processes", False):
        return reporting_submit(pool.submit)
    return pool.submit  # type: ignore[no-any-return]
