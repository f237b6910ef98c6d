"""Where the driver meets fan-out: the runner of a request shape whose plan has
``Parallelizable`` / ``Collect`` steps, and the default executor of the blocks' items.

Only drivers whose graph has such nodes come here (:func:`dataflow.execution.fanout.fanout_of`
is ``None`` otherwise), once per request shape: plans without fan-out are untouched.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from dataflow.execution.fanout import check_request, fanout_plan_of, refuse_fanout
from dataflow.execution.fanout_run import FanoutRunner
from dataflow.plan import Plan

DEFAULT_REMOTE_MAX_TASKS = 10
"""Hamilton's default remote executor is ``MultiThreadingExecutor(max_tasks=10)``."""


def default_remote_executor() -> Any:
    """Where blocks' items run when ``with_remote_executor`` was not called (Hamilton's
    default): ``MultiThreadingExecutor(max_tasks=10)``."""
    from dataflow.execution.executors import MultiThreadingExecutor

    return MultiThreadingExecutor(DEFAULT_REMOTE_MAX_TASKS)


def fanout_runner(driver: Any, plan: Plan, outputs: Sequence[str],
                  overrides: Collection[str]) -> FanoutRunner | None:
    """The runner of ``plan`` if it fans out (``None`` if it does not), after refusing outputs
    and overrides inside blocks and fan-out on a driver that cannot run it."""
    fanout = driver._fanout
    check_request(fanout, driver.graph, outputs, overrides)
    fanned = fanout_plan_of(plan, fanout)
    if fanned is None:
        return None
    if getattr(driver, "awaits_hooks", False):
        refuse_fanout(plan, fanout, driver.graph,
                      "are not run by the async driver (Hamilton's passes the generator itself "
                      "on): use the synchronous driver, built with "
                      "Builder().enable_dynamic_execution(allow_experimental_mode=True).")
    if not driver.dynamic_execution:
        refuse_fanout(plan, fanout, driver.graph,
                      "need dynamic execution: build the driver with "
                      "Builder().enable_dynamic_execution(allow_experimental_mode=True) "
                      "(as Hamilton requires).")
    return FanoutRunner(fanned, driver.hooks, driver.remote_executor, driver.executor)
