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

from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait
from typing import Any

from dataflow.execution.failures import add_note
from dataflow.execution.interrupts import InterruptWatch
from dataflow.execution.scheduler import ReadyQueue
from dataflow.execution.tasks import NodeHooks, Task, run_task
from dataflow.plan import Plan, Step

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
                        note_worker_failure(error, steps[index])
                        raise
                    del future
                    queue.finish(index, result)  # may run a dead value's finalizer
                    del result
                del done
            watch.check()
    except BaseException as error:
        for future in running:
            future.cancel()
        if isinstance(error, Exception):  # let steps already running finish (and their hooks)
            wait(running)
        running.clear()
        values.clear()
        raise
    return queue.outputs()


def note_worker_failure(error: BaseException, step: Step) -> None:
    """``error`` with a note naming ``step`` if it has none yet: a failure outside the node's
    call (its arguments or its result could not be sent between processes) still says which
    node it was."""
    if not any(str(note).startswith("dataflow:") for note in getattr(error, "__notes__", ())):
        add_note(error, f"dataflow: node {step.name!r} ({step.node.where()}) could not be run "
                        "in a worker: its arguments and its result must pickle to travel "
                        "between processes")
