"""Stage 5, *run*: walk a plan, calling each function and freeing values after their last use.

:func:`run_plan` is the hot path: one dictionary build, one call and a few deletions per step.
Lifecycle hooks cost nothing unless some are registered (:func:`run_plan_with_hooks`).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

from dataflow.node import qualified_type_name
from dataflow.plan import Plan, Step


def run_plan(plan: Plan, values: dict[str, Any]) -> dict[str, Any]:
    """Run ``plan`` over ``values`` (provided and config values, by name) and return the outputs.

    ``values`` is consumed: computed values are added and dead ones removed as the run goes.
    """
    if plan.has_async:
        return run_plan_with_hooks(plan, values, ())
    for step in plan.steps:
        kwargs = {name: values[name] for name in step.args}
        try:
            values[step.node.name] = step.node.fn(**kwargs)  # type: ignore[misc]
        except Exception as error:
            raise annotate_failure(error, step, kwargs) from None
        for name in step.release:
            del values[name]
        del kwargs
    return {name: values[name] for name in plan.outputs}


def run_plan_with_hooks(
    plan: Plan, values: dict[str, Any], adapters: Sequence[Any], run_id: str = ""
) -> dict[str, Any]:
    """:func:`run_plan` calling ``run_before_node_execution`` / ``run_after_node_execution`` of
    the adapters that define them, and letting a ``run_to_execute_node`` adapter make the call."""
    before = [a for a in adapters if hasattr(a, "run_before_node_execution")]
    after = [a for a in adapters if hasattr(a, "run_after_node_execution")]
    executors = [a for a in adapters if hasattr(a, "run_to_execute_node")]
    executor = executors[-1] if executors else None
    for step in plan.steps:
        node = step.node
        kwargs = {name: values[name] for name in step.args}
        facts = {
            "node_name": node.name, "node_tags": dict(node.tags), "node_kwargs": kwargs,
            "node_return_type": node.type, "task_id": None, "run_id": run_id,
        }
        for adapter in before:
            adapter.run_before_node_execution(
                **facts, node_input_types={d.name: d.type for d in node.dependencies})
        result: Any = None
        error: Exception | None = None
        try:
            if executor is not None:
                result = executor.run_to_execute_node(
                    node_name=node.name, node_tags=dict(node.tags), node_callable=node.fn,
                    node_kwargs=kwargs, task_id=None, is_expand=False, is_collect=False)
            else:
                result = node.fn(**kwargs)  # type: ignore[misc]
            if node.is_async or inspect.isawaitable(result):
                result = await_result(result)
        except Exception as failure:
            error = annotate_failure(failure, step, kwargs)
        for adapter in after:
            adapter.run_after_node_execution(
                **facts, result=result, error=error, success=error is None)
        if error is not None:
            raise error from None
        values[node.name] = result
        for name in step.release:
            del values[name]
    return {name: values[name] for name in plan.outputs}


def await_result(awaitable: Any) -> Any:
    """The result of an awaitable from synchronous code, even inside a running event loop
    (a notebook): then the coroutine runs to completion on a helper thread's own loop."""
    import asyncio  # only async graphs pay for importing asyncio
    import concurrent.futures

    async def wait() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(wait())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, wait()).result()


def annotate_failure(error: Exception, step: Step, kwargs: Mapping[str, Any]) -> Exception:
    """Add a PEP 678 note naming the node, its function's file:line and its arguments' types.

    The exception keeps its own type, so callers' ``except`` clauses still match."""
    node = step.node
    arguments = ", ".join(
        f"{k}: {qualified_type_name(type(v))}" for k, v in kwargs.items()) or "none"
    note = (f"dataflow: while computing node {node.name!r} with {node.where()}; "
            f"argument types: {arguments}")
    if hasattr(error, "add_note"):
        error.add_note(note)
    else:  # Python 3.10: PEP 678 notes are stored the same way, just not printed
        error.__notes__ = [*getattr(error, "__notes__", []), note]  # type: ignore[attr-defined]
    return error
