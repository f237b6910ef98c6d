"""Executors: where the steps of a plan run. The plan does not change with the executor.

The driver hands an executor a :class:`~dataflow.execution.runner.PlanRunner` (the plan of the
request), the starting values and the driver's :class:`~dataflow.execution.hooks.HookSet`; the
executor returns the requested values by name. :class:`SynchronousLocalTaskExecutor` (the name
Hamilton gives its in-process executor) runs every step in the calling thread, in plan order.

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

import uuid
from collections.abc import Mapping
from typing import Any

from dataflow.execution.hooks import HookSet, call_hooks
from dataflow.execution.loop import run_plan_with_hooks
from dataflow.execution.runner import PlanRunner
from dataflow.graph import Graph


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


def run_with_hooks(runner: PlanRunner, values: dict[str, Any], hooks: HookSet, graph: Graph,
                   final_vars: list[str], inputs: Mapping[str, Any],
                   overrides: Mapping[str, Any]) -> dict[str, Any]:
    """One run with the graph hooks of ``hooks`` around it: ``run_after_graph_execution`` is
    called whatever ends the run, ``KeyboardInterrupt`` and ``SystemExit`` included, with
    ``success=False`` and the error when it failed; the error then propagates."""
    plan = runner.plan
    run_id = str(uuid.uuid4())
    call_hooks(hooks.before_graph, None, graph=graph, final_vars=final_vars,
               inputs=inputs, overrides=overrides,
               execution_path=plan.node_names, run_id=run_id)
    results: dict[str, Any] | None = None
    error: BaseException | None = None
    try:
        if hooks.node_level:
            results = run_plan_with_hooks(plan, values, hooks, run_id)
        else:
            results = runner.run(values)
    except BaseException as failure:  # KeyboardInterrupt, SystemExit, ... end a run too
        error = failure
        raise
    finally:
        call_hooks(hooks.after_graph, None, graph=graph, success=error is None, error=error,
                   results=results, run_id=run_id)
    return results
