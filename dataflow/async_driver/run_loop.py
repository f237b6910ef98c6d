"""The run loop of the async driver: a plan's steps on one event loop, independent awaits
overlapping.

A step starts as soon as the steps it reads have finished (the plan's
:attr:`~dataflow.plan.Plan.schedule`). An ``async def`` node becomes a task, so independent
awaits overlap; a plain function runs inline in the loop's own coroutine (a thread switch would
cost more than most nodes), and so does an async node with nothing to overlap with (the only
step ready, no task running: a chain costs no task per node). Values are freed once their last
reader has finished, as in :func:`~dataflow.execution.loop.run_plan_out_of_order`.

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
    outputs = set(plan.outputs)
    schedule = plan.schedule
    remaining = dict(schedule.leaf_consumers)
    waiting: dict[str, int] = {}
    readers: dict[str, list[Step]] = {}
    ready: list[Step] = []
    position: dict[str, int] = {}
    for index, (step, waits_for, consumers) in enumerate(
            zip(plan.steps, schedule.waits_for, schedule.consumers)):
        position[step.name] = index
        remaining[step.name] = consumers
        waiting[step.name] = len(waits_for)
        for name in waits_for:
            readers.setdefault(name, []).append(step)
        if not waits_for:
            ready.append(step)

    def finish(step: Step, result: Any) -> None:
        values[step.name] = result
        for name in step.args:
            remaining[name] -= 1
            if remaining[name] == 0 and name not in outputs:
                del values[name]
        for reader in readers.get(step.name, ()):
            waiting[reader.name] -= 1
            if waiting[reader.name] == 0:
                ready.append(reader)
        if remaining[step.name] == 0 and step.name not in outputs:
            del values[step.name]

    running: dict[asyncio.Future[Any], Step] = {}
    hooked = hooks.node_level
    try:
        while ready or running:
            inline: list[Step] = []
            alone = len(ready) == 1 and not running  # nothing to overlap with: no task
            for step in ready:
                if step.node.is_async and not alone:
                    kwargs = {name: values[name] for name in step.args}
                    running[asyncio.ensure_future(run_step(step, kwargs, hooks, run_id))] = step
                    del kwargs
                else:
                    inline.append(step)
            ready.clear()
            if inline:
                if running:  # let the new tasks start their awaits before the inline work
                    await asyncio.sleep(0)
                for step in inline:
                    kwargs = {name: values[name] for name in step.args}
                    if hooked:
                        result = await run_step(step, kwargs, hooks, run_id)
                    else:
                        result = await _run_inline(step, kwargs)
                    del kwargs
                    finish(step, result)
                    del result
                continue
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(done, key=lambda t: position[running[t].name]):
                step = running.pop(task)
                finish(step, task.result())
            del done, task  # a finished task holds its result: let it go with the value
    except BaseException:
        await _cancel_all(running)
        raise
    return {name: values[name] for name in plan.outputs}


async def _cancel_all(running: dict[asyncio.Future[Any], Step]) -> None:
    """Cancel the tasks still running and wait until each has ended (its hooks included)."""
    if not running:
        return
    for task in running:
        task.cancel()
    await asyncio.wait(running)
    for task in running:  # retrieved, so asyncio does not log them as never retrieved
        if not task.cancelled():
            task.exception()
