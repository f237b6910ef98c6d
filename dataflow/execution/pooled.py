"""Running a plan's independent steps at the same time on a pool of threads or processes.

The calling thread keeps the whole scheduling state (values by name, the steps ready to start,
how many readers each value has left) in a :class:`~dataflow.execution.scheduler.ReadyQueue`,
the same bookkeeping as :func:`~dataflow.execution.loop.run_plan_out_of_order`. Workers only run
:func:`~dataflow.execution.tasks.run_task`: a step's function over the arguments it is sent,
with its node hooks. So:

* a value is freed in the calling thread as soon as its last reader has finished;
* at most ``max_tasks`` steps are handed to the pool at once, so the work *not yet started* is
  known here and is never started once a step has failed;
* a failure ends the run with the node's own exception (its type kept, with the dataflow note);
  steps already running are waited for (their hooks complete) and no partial result is
  returned. An interruption (``KeyboardInterrupt``, ``SystemExit``) does not wait, and Ctrl-C
  is not lost when it lands in a finalizer the calling thread runs (freeing a dead value runs
  its ``__del__`` here): :mod:`dataflow.execution.interrupts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from dataflow.execution.failures import add_note
from dataflow.execution.interrupts import InterruptWatch
from dataflow.execution.scheduler import ReadyQueue
from dataflow.execution.tasks import NodeHooks, Task, run_task
from dataflow.plan import Plan

Submit = Callable[..., "Future[Any]"]
"""``pool.submit``: ``submit(run_task, task, kwargs, hooks, run_id)``."""


def run_plan_on_pool(plan: Plan, tasks: Sequence[Task], values: dict[str, Any], submit: Submit,
                     max_tasks: int, hooks: NodeHooks | None, run_id: str) -> dict[str, Any]:
    """Run ``plan`` (whose steps are ``tasks``, in order) over ``values`` (consumed), handing
    ready steps to ``submit`` as they become ready, at most ``max_tasks`` at a time."""
    steps = plan.steps
    queue = ReadyQueue(plan, values)
    ready = queue.ready
    running: dict[Future[Any], int] = {}
    try:
        with InterruptWatch() as watch:
            while not queue.done:
                while ready and len(running) < max_tasks:
                    index = ready.popleft()
                    running[submit(run_task, tasks[index], queue.arguments(index), hooks,
                                   run_id)] = index
                done = watch.wait(running)
                for future in done:
                    index = running.pop(future)
                    try:
                        result = future.result()  # the node's exception, if it failed
                    except BaseException as error:
                        step = steps[index]
                        note_worker_failure(error, f"node {step.name!r} ({step.node.where()})",
                                            [repr(steps[i].name) for i in running.values()])
                        raise
                    del future
                    queue.finish(index, result)  # may run a dead value's finalizer
                    del result
                del done
            watch.check()
    except BaseException as error:
        stop_running(running, error)
        running.clear()
        values.clear()
        raise
    return queue.outputs()


def stop_running(running: Iterable[Future[Any]], error: BaseException) -> None:
    """After ``error`` ended a run: cancel the tasks of ``running`` not started yet and, unless
    the run was interrupted (``KeyboardInterrupt``, ``SystemExit``), wait for those already
    running (their hooks complete). Cancelled tasks are not waited for: a future cancelled
    outside its pool may never tell a waiter."""
    started = [future for future in running if not future.cancel()]
    if isinstance(error, Exception):
        wait(started)


def close_pools(pools: Iterable[Executor | None], interrupted: bool) -> None:
    """Shut the pools of a run down: at once, their worker processes ended, after an
    interruption (:func:`stop_workers`); else once their running tasks are done."""
    for pool in pools:
        if pool is not None:
            if interrupted:
                stop_workers(pool)
            pool.shutdown(wait=not interrupted, cancel_futures=True)


def stop_workers(pool: Executor) -> None:
    """After an interruption (Ctrl-C): end a process pool's workers now, since a running
    function cannot be interrupted from outside any other way. Threads cannot be killed: a
    thread pool runs no further step, and the steps running finish on their own."""
    if isinstance(pool, ProcessPoolExecutor):
        processes = getattr(pool, "_processes", None) or {}  # no public handle before 3.14
        for process in list(processes.values()):
            process.terminate()


def note_worker_failure(error: BaseException, what: str, others: Sequence[str] = ()) -> None:
    """``error`` with a note naming ``what`` failed (``"node 'x' (file:line)"``) if it has no
    dataflow note yet: a failure outside the node's call still says which node it was.
    ``others`` name the tasks running beside it, for a pool that broke under all of them."""
    if any(str(note).startswith("dataflow:") for note in getattr(error, "__notes__", ())):
        return
    if isinstance(error, BrokenProcessPool):
        beside = f" (beside {', '.join(others)})" if others else ""
        add_note(error, f"dataflow: the worker processes broke while {what} was running"
                        f"{beside}: a worker process ended abruptly (os._exit, a signal such "
                        "as SIGKILL, out of memory, a crash in C code), or sent back a value "
                        "that could not be unpickled here; workers started by 'spawn' or "
                        "'forkserver' import the main script, which must then run the driver "
                        "under if __name__ == '__main__':")
    else:
        add_note(error, f"dataflow: {what} could not be run in a worker: its arguments and its "
                        "result must pickle to travel between processes")
