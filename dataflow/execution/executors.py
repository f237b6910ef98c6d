"""Executors: where the steps of a plan run. The plan does not change with the executor.

The driver hands an executor a :class:`~dataflow.execution.runner.PlanRunner` (the plan of the
request), the starting values and the driver's :class:`~dataflow.execution.hooks.HookSet`; the
executor returns the requested values by name. The names are Hamilton's
(``hamilton.execution.executors``):

* :class:`SynchronousLocalTaskExecutor` runs every step in the calling thread, in plan order;
* :class:`MultiThreadingExecutor` runs independent steps at once on a pool of ``max_tasks``
  threads (worth it when nodes wait or release the GIL: I/O, numpy, pandas);
* :class:`MultiProcessingExecutor` does so on a pool of ``max_tasks`` processes (CPU-bound
  pure-Python nodes); node functions, hooks, arguments and results must pickle, and a node whose
  function does not is named before anything runs.

A pool lives for one run: it is created when the run starts and shut down when it ends, so an
executor holds nothing between runs and a driver using it still pickles.

>>> from dataflow import ad_hoc_utils
>>> from dataflow.execution.hooks import hook_set
>>> from dataflow.execution.runner import PlanRunner
>>> from dataflow.build import graph_from_modules
>>> from dataflow.plan import plan_for
>>> def doubled(spend: float) -> float: return spend * 2
>>> graph = graph_from_modules([ad_hoc_utils.create_temporary_module(doubled)], {}, False)
>>> runner = PlanRunner(plan_for(graph, ["doubled"], {"spend"}))
>>> SynchronousLocalTaskExecutor().run(runner, {"spend": 2.0}, hook_set([]), graph,
...                                    ["doubled"], {"spend": 2.0}, {})
{'doubled': 4.0}
"""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from dataflow.errors import DataflowError
from dataflow.execution.hooks import HookSet, call_hooks
from dataflow.execution.loop import run_plan_with_hooks
from dataflow.execution.pooled import close_pools, run_plan_on_pool
from dataflow.execution.reports import reporting_submit
from dataflow.execution.runner import PlanRunner
from dataflow.execution.tasks import (
    NodeHooks,
    check_picklable,
    check_values_picklable,
    task_of,
)
from dataflow.graph import Graph
from dataflow.graph_types import hamilton_graph

Body = Callable[[dict[str, Any], str], dict[str, Any]]
"""The run itself: ``body(values, run_id)`` returns the outputs."""


class SynchronousLocalTaskExecutor:
    """Runs a plan in the calling thread, step after step (the default executor)."""

    def run(self, runner: PlanRunner, values: dict[str, Any], hooks: HookSet, graph: Graph,
            final_vars: list[str], inputs: Mapping[str, Any],
            overrides: Mapping[str, Any]) -> dict[str, Any]:
        """The outputs of ``runner``'s plan over ``values`` (consumed). Without hooks this is
        the runner's own loop (compiled once the plan is reused); with hooks, graph hooks run
        around the whole run and node hooks around each step."""
        if hooks.empty:
            return runner.run(values)
        return run_with_hooks(runner, values, hooks, graph, final_vars, inputs, overrides)


class PoolExecutor:
    """Runs the independent steps of a plan at the same time on a pool of ``max_tasks``
    workers, created for the run and shut down after it (see :mod:`dataflow.execution.pooled`
    for what happens when a step fails). Node hooks run in the worker that runs the node."""

    sends_to_processes = False

    def __init__(self, max_tasks: int) -> None:
        if not isinstance(max_tasks, int) or isinstance(max_tasks, bool) or max_tasks < 1:
            raise DataflowError(
                f"{type(self).__name__}(max_tasks={max_tasks!r}): max_tasks is the number of "
                "workers, a whole number of at least 1.")
        self.max_tasks = max_tasks

    def create_pool(self) -> Executor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(max_tasks={self.max_tasks})"

    def run(self, runner: PlanRunner, values: dict[str, Any], hooks: HookSet, graph: Graph,
            final_vars: list[str], inputs: Mapping[str, Any],
            overrides: Mapping[str, Any]) -> dict[str, Any]:
        """The outputs of ``runner``'s plan over ``values`` (consumed), the graph hooks around
        the run in the calling thread."""
        plan = runner.plan
        tasks = [task_of(step) for step in plan.steps]
        node_hooks = (NodeHooks(hooks.before_node, hooks.after_node, hooks.node_method)
                      if hooks.node_level else None)
        if self.sends_to_processes:
            check_picklable(plan.steps, tasks, node_hooks)
            check_values_picklable(((s.name, s.args) for s in plan.steps), values, overrides,
                                   inputs)

        def body(values: dict[str, Any], run_id: str) -> dict[str, Any]:
            pool = self.create_pool()
            interrupted = True
            try:
                # on processes, adapters' copies in the workers report back (a timer)
                submit = reporting_submit(pool.submit) if self.sends_to_processes else pool.submit
                outputs = run_plan_on_pool(plan, tasks, values, submit, self.max_tasks,
                                           node_hooks, run_id)
                interrupted = False
                return outputs
            except Exception:
                interrupted = False
                raise
            finally:
                close_pools((pool,), interrupted)

        if hooks.empty:
            return body(values, "")
        return run_with_hooks(runner, values, hooks, graph, final_vars, inputs, overrides, body)


class MultiThreadingExecutor(PoolExecutor):
    """Runs independent steps at once on ``max_tasks`` threads. Hooks are called from those
    threads, so a hook that keeps state must be thread-safe."""

    def create_pool(self) -> Executor:
        return ThreadPoolExecutor(max_workers=self.max_tasks,
                                  thread_name_prefix="dataflow-worker")


class MultiProcessingExecutor(PoolExecutor):
    """Runs independent steps at once on ``max_tasks`` processes. Functions, node hooks,
    arguments and results travel by pickle; node hooks run on the worker's copy of their
    adapter, which can report back to the caller's adapter (:mod:`dataflow.execution.reports`:
    ``report_to_caller`` / ``receive_from_worker``, as ``plugins.h_timing.NodeTimer`` does).

    ``start_method`` is how worker processes start (``"fork"``, ``"forkserver"``,
    ``"spawn"``, as :func:`multiprocessing.get_context` takes them); by default the
    interpreter's own, as Hamilton's executor does: ``fork`` on Linux before Python 3.14
    (fast, and works in notebooks and in scripts without an ``if __name__ == "__main__":``
    guard; Python 3.12+ warns when the process has threads, as numpy's and pandas' start),
    ``forkserver`` from 3.14, ``spawn`` on macOS and Windows. See docs/execution.md."""

    sends_to_processes = True

    def __init__(self, max_tasks: int, start_method: str | None = None) -> None:
        super().__init__(max_tasks)
        if start_method is not None and start_method not in ALL_START_METHODS:
            raise DataflowError(
                f"MultiProcessingExecutor(start_method={start_method!r}): this platform "
                f"starts processes by {', '.join(map(repr, ALL_START_METHODS))}.")
        self.start_method = start_method

    def create_pool(self) -> Executor:
        context = (multiprocessing.get_context(self.start_method)
                   if self.start_method is not None else None)
        return ProcessPoolExecutor(max_workers=self.max_tasks, mp_context=context)

    def __repr__(self) -> str:
        if self.start_method is None:
            return super().__repr__()
        return (f"{type(self).__name__}(max_tasks={self.max_tasks}, "
                f"start_method={self.start_method!r})")


ALL_START_METHODS = tuple(multiprocessing.get_all_start_methods())
"""The start methods of worker processes this platform offers."""


def run_with_hooks(runner: PlanRunner, values: dict[str, Any], hooks: HookSet, graph: Graph,
                   final_vars: list[str], inputs: Mapping[str, Any],
                   overrides: Mapping[str, Any], body: Body | None = None) -> dict[str, Any]:
    """One run with the graph hooks of ``hooks`` around it: ``run_after_graph_execution`` is
    called whatever ends the run, ``KeyboardInterrupt`` and ``SystemExit`` included, with
    ``success=False`` and the error when it failed; the error then propagates. ``body`` is the
    run (by default, the plan in the calling thread)."""
    plan = runner.plan
    run_id = str(uuid.uuid4())
    shown = hamilton_graph(graph) if hooks.before_graph or hooks.after_graph else None
    call_hooks(hooks.before_graph, None, graph=shown, final_vars=final_vars,
               inputs=inputs, overrides=overrides,
               execution_path=plan.node_names, run_id=run_id)
    results: dict[str, Any] | None = None
    error: BaseException | None = None
    try:
        if body is not None:
            results = body(values, run_id)
        elif hooks.node_level:
            results = run_plan_with_hooks(plan, values, hooks, run_id)
        else:
            results = runner.run(values)
    except BaseException as failure:  # KeyboardInterrupt, SystemExit, ... end a run too
        error = failure
        raise
    finally:
        call_hooks(hooks.after_graph, None, graph=shown, success=error is None, error=error,
                   results=results, run_id=run_id)
    return results
