"""Stage 5, *run*: a plan and its starting values in, the requested values out.

The driver names the outputs, gets a plan, and hands it here:

* :mod:`~dataflow.execution.inputs` — the starting values (a pure function of the plan and the
  request) and the checks of inputs and overrides;
* :mod:`~dataflow.execution.executors` — where steps run (:class:`SynchronousLocalTaskExecutor`:
  in the calling thread; :class:`MultiThreadingExecutor`, :class:`MultiProcessingExecutor`:
  independent steps at once on a pool), with the graph hooks around the run;
* :mod:`~dataflow.execution.pooled` / :mod:`~dataflow.execution.tasks` — a pool run's
  scheduling (kept in the calling thread) and the unit of work a worker runs;
* :mod:`~dataflow.execution.runner` — when a reused plan is compiled;
* :mod:`~dataflow.execution.loop` / :mod:`~dataflow.execution.compiled` — the run loops;
* :mod:`~dataflow.execution.hooks` — a driver's hooks, sorted once by what they implement.
* :mod:`~dataflow.execution.fanout` / :mod:`~dataflow.execution.fanout_run` — dynamic fan-out
  (``Parallelizable`` / ``Collect``): the blocks of a graph and a plan, and running their items
  on the remote executor (:mod:`~dataflow.execution.fanout_driver` is the driver's side).

See docs/execution.md.
"""

from dataflow.execution.executors import (
    MultiProcessingExecutor,
    MultiThreadingExecutor,
    SynchronousLocalTaskExecutor,
)
from dataflow.execution.hooks import HookSet, hook_set
from dataflow.execution.inputs import start_values
from dataflow.execution.runner import PlanRunner

__all__ = ["HookSet", "MultiProcessingExecutor", "MultiThreadingExecutor", "PlanRunner",
           "SynchronousLocalTaskExecutor", "hook_set", "start_values"]
