"""The run loop of the async driver: a plan's steps on one event loop, independent awaits
overlapping.

A step starts as soon as the steps it reads have finished (the plan's
:attr:`~dataflow.plan.Plan.schedule`). An ``async def`` node becomes a task, so independent
awaits overlap; a plain function runs inline in the loop's own coroutine (a thread switch would
cost more than most nodes), and so does an async node with nothing to overlap with (the only
step ready, no task running: a chain costs no task per node). The bookkeeping (which steps are
ready, freeing each value once its last reader has finished) is a
:class:`~dataflow.execution.scheduler.ReadyQueue`; this loop only decides how each step runs.

When a step fails, or the run itself is cancelled, the steps still running are cancelled and
awaited (so their ``run_after_node_execution`` hooks hear ``success=False`` with the
``CancelledError``), and then the error propagates with its own type and its dataflow note.
Hooks may be plain or ``async def`` methods; an awaitable a hook returns is awaited.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from dataflow.execution.failures import annotate_failure
from dataflow.execution.hooks import Hook, HookSet, hook_failure
from dataflow.execution.loop import call_node
from dataflow.execution.scheduler import ReadyQueue
from dataflow.plan import Plan, Step


async def call_hooks_async(hooks: tuple[Hook, ...], at_node: str | None, /,
                           **kwargs: Any) -> None:
    """Call each hook with ``kwargs`` and await what it returns when that is awaitable; a hook
    that raises gets a note naming it and the node ``at_node`` (``None`` for graph hooks)."""
    for name, method in hooks:
        try:
            outcome = method(**kwargs)
            if inspect.isawaitable(outcome):
                await outcome
        except BaseException as error:
            hook_failure(error, name, at_node)
            raise


async def run_step(step: Step, kwargs: dict[str, Any], hooks: HookSet, run_id: str) -> Any:
    """The value of ``step`` with the node hooks of ``hooks`` around it. Any exception,
    ``CancelledError`` included, reaches the after-node hooks with ``success=False`` and then
    propagates, annotated with the node."""
    node = step.node
    name = node.name
    facts = {
        "node_name": name, "node_tags": dict(node.tags), "node_kwargs": kwargs,
        "node_return_type": node.type, "task_id": None, "run_id": run_id,
    }
    if hooks.before_node:
        await call_hooks_async(hooks.before_node, name, **facts,
                               node_input_types={d.name: d.type for d in node.dependencies})
    result: Any = None
    error: BaseException | None = None
    try:
        called = call_node(step, kwargs, hooks.node_method)
        result = await called if inspect.isawaitable(called) else called
    except BaseException as failure:
        error = annotate_failure(failure, step, kwargs)
    if hooks.after_node:
        await call_hooks_async(hooks.after_node, name, **facts, result=result, error=error,
                               success=error is None)
    if error is not None:
        raise error from None
    return result


async def _run_inline(step: Step, kwargs: dict[str, Any]) -> Any:
    """A step without node hooks, in the calling coroutine."""
    try:
        result = step.fn(**kwargs)
        if inspect.isawaitable(result):  # a wrapper that returns a coroutine
            result = await result
    except BaseException as error:
        raise annotate_failure(error, step, kwargs) from None
    return result


async def run_plan_concurrently(plan: Plan, values: dict[str, Any], hooks: HookSet,
                                run_id: str = "") -> dict[str, Any]:
    """Run ``plan`` over ``values`` (consumed) on the running loop and return its outputs."""
    queue = ReadyQueue(plan, values)
    steps = plan.steps
    ready = queue.ready
    running: dict[asyncio.Future[Any], int] = {}
    hooked = hooks.node_level
    try:
        while not queue.done:
            inline: list[int] = []
            alone = len(ready) == 1 and not running  # nothing to overlap with: no task
            for index in ready:
                step = steps[index]
                if step.node.is_async and not alone:
                    task = run_step(step, queue.arguments(index), hooks, run_id)
                    running[asyncio.ensure_future(task)] = index
                    del task
                else:
                    inline.append(index)
            ready.clear()
            if inline:
                if running:  # let the new tasks start their awaits before the inline work
                    await asyncio.sleep(0)
                for index in inline:
                    step = steps[index]
                    kwargs = queue.arguments(index)
                    if hooked:
                        result = await run_step(step, kwargs, hooks, run_id)
                    else:
                        result = await _run_inline(step, kwargs)
                    del kwargs
                    queue.finish(index, result)
                    del result
                continue
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for finished in sorted(done, key=running.__getitem__):  # in plan order
                queue.finish(running.pop(finished), finished.result())
            del done, finished  # a finished task holds its result: let it go with the value
    except BaseException:
        await _cancel_all(running)
        raise
    return queue.outputs()


async def _cancel_all(running: dict[asyncio.Future[Any], int]) -> None:
    """Cancel the tasks still running and wait until each has ended (its hooks included)."""
    if not running:
        return
    for task in running:
        task.cancel()
    await asyncio.wait(running)
    for task in running:  # retrieved, so asyncio does not log them as never retrieved
        if not task.cancelled():
            task.exception()
