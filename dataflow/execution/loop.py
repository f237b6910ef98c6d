"""The in-process run loops: walk a plan, call each function, free values after their last use.

:func:`run_plan` is the hot path: one dictionary build, one call and a few deletions per step.
:func:`run_plan_with_hooks` is the same walk stopping at each node for the node hooks of a
:class:`~dataflow.execution.hooks.HookSet`; only drivers with such hooks take it.
:func:`run_plan_out_of_order` runs the steps in any order their dependencies allow and frees
each value when its last reader has run: the bookkeeping a concurrent runner needs.

A plan with ``async def`` nodes runs, steps still in order, inside one coroutine
(:func:`run_plan_on_one_loop`) on one event loop for the whole run, so an object bound to the
loop (a client session) made by one node still works in the next.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dataflow.execution.failures import annotate_failure
from dataflow.execution.hooks import EMPTY_HOOKS, HookSet, call_hooks, hook_failure
from dataflow.execution.scheduler import ReadyQueue
from dataflow.plan import Plan, Step, without_collection


def run_plan(plan: Plan, values: dict[str, Any]) -> dict[str, Any]:
    """Run ``plan`` over ``values`` (provided and config values, by name) and return the outputs.

    ``values`` is consumed: computed values are added and dead ones removed as the run goes.
    """
    if plan.has_async:
        return run_plan_with_hooks(plan, values, EMPTY_HOOKS)
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
    plan: Plan, values: dict[str, Any], hooks: HookSet, run_id: str = ""
) -> dict[str, Any]:
    """:func:`run_plan` calling the node hooks of ``hooks`` around each step, and letting its
    ``run_to_execute_node`` adapter (if any) make the call.

    A step ended by any exception, ``KeyboardInterrupt`` and ``SystemExit`` included, reaches
    the ``run_after_node_execution`` hooks with ``success=False`` and the error before it
    propagates."""
    if hooks.remote_execute is not None:
        from dataflow.execution.tasks import run_plan_remotely  # tasks imports this module

        return run_plan_remotely(plan, values, hooks, run_id)
    if plan.has_async:
        return await_result(run_plan_on_one_loop(plan, values, hooks, run_id))
    method = hooks.node_method
    for step in plan.steps:
        kwargs, facts = _begin_step(step, values, hooks, run_id)
        result: Any = None
        error: BaseException | None = None
        try:
            result = _call(step, kwargs, method)
        except BaseException as failure:  # KeyboardInterrupt, SystemExit: the run ends too
            error = annotate_failure(failure, step, kwargs)
        _end_step(step, values, hooks, facts, result, error)
    return {name: values[name] for name in plan.outputs}


def _begin_step(step: Step, values: Mapping[str, Any], hooks: HookSet,
                run_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The step's arguments and the facts its node hooks receive; the before-hooks are
    called. Shared by the synchronous and the one-loop runners."""
    node = step.node
    kwargs = {arg: values[arg] for arg in step.args}
    facts = {
        "node_name": node.name, "node_tags": dict(node.tags), "node_kwargs": kwargs,
        "node_return_type": node.type, "task_id": None, "run_id": run_id,
    }
    if hooks.before_node:
        call_hooks(hooks.before_node, node.name, **facts,
                   node_input_types={d.name: d.type for d in node.dependencies})
    return kwargs, facts


def _end_step(step: Step, values: dict[str, Any], hooks: HookSet, facts: dict[str, Any],
              result: Any, error: BaseException | None) -> None:
    """Tell the after-hooks how the step ended, then raise its error or store its value and
    free what it was the last to read."""
    if hooks.after_node:
        call_hooks(hooks.after_node, step.node.name, **facts, result=result, error=error,
                   success=error is None)
    if error is not None:
        raise error from None
    values[step.node.name] = result
    for released in step.release:
        del values[released]


async def run_plan_on_one_loop(
    plan: Plan, values: dict[str, Any], hooks: HookSet, run_id: str = ""
) -> dict[str, Any]:
    """:func:`run_plan_with_hooks` as one coroutine: steps in plan order, sync functions called
    inline, async ones (and any awaitable a function or ``run_to_execute_node`` returns) awaited
    on the running loop. Hooks are called as in the synchronous loop."""
    method = hooks.node_method
    for step in plan.steps:
        kwargs, facts = _begin_step(step, values, hooks, run_id)
        result: Any = None
        error: BaseException | None = None
        try:
            called = call_node(step, kwargs, method)
            result = await called if inspect.isawaitable(called) else called
        except BaseException as failure:  # CancelledError too: the run ends
            error = annotate_failure(failure, step, kwargs)
        _end_step(step, values, hooks, facts, result, error)
    return {name: values[name] for name in plan.outputs}


def _call(step: Step, kwargs: dict[str, Any],
          method: tuple[str, Callable[..., Any]] | None) -> Any:
    result = call_node(step, kwargs, method)
    if is_pending(result):  # a sync node's wrapper returning a coroutine
        result = await_result(result)
    return result


def is_pending(value: Any) -> bool:
    """Whether a node's (or its wrapper's) result is a coroutine or an asyncio future still to
    be awaited. Other awaitables are values: dask collections and Ray object refs define
    ``__await__`` too, and awaiting them would start an event loop per node (dask: one that
    walks the collection's whole graph) for nothing."""
    return inspect.iscoroutine(value) or getattr(
        type(value), "_asyncio_future_blocking", None) is not None


def call_node(step: Step, kwargs: dict[str, Any],
              method: tuple[str, Callable[..., Any]] | None) -> Any:
    """What calling ``step``'s function (through ``method``, the ``run_to_execute_node``
    adapter, if any) returns: for an async node, an awaitable the caller awaits. A failure
    of the adapter itself gets a note naming it."""
    node = step.node
    if method is None:
        result = node.fn(**kwargs)  # type: ignore[misc]
    else:
        hook, run_to_execute_node = method
        if node.is_async:
            from dataflow.execution import async_nodes  # only async graphs pay for asyncio

            if not async_nodes.handles_coroutines(run_to_execute_node):
                # a plain adapter sees the node's value or its error: it runs on a thread
                return async_nodes.call_through_thread(hook, node.name, functools.partial(
                    run_to_execute_node, node_name=node.name, node_tags=dict(node.tags),
                    node_kwargs=kwargs, task_id=None, is_expand=False, is_collect=False),
                    node.fn)  # type: ignore[arg-type]
        try:
            result = run_to_execute_node(
                node_name=node.name, node_tags=dict(node.tags), node_callable=node.fn,
                node_kwargs=kwargs, task_id=None, is_expand=False, is_collect=False)
        except BaseException as error:
            if not raised_by(error, node.fn):
                hook_failure(error, hook, node.name)
            raise
    return result


def raised_by(error: BaseException, fn: Any) -> bool:
    """Whether ``fn``'s own code is among the frames ``error`` went through (so the node raised
    it, not the adapter that called the node)."""
    code = getattr(fn, "__code__", None)
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code is code:
            return True
        traceback = traceback.tb_next
    return False


def run_plan_out_of_order(
    plan: Plan, values: dict[str, Any], choose: Callable[[Sequence[Step]], Step]
) -> dict[str, Any]:
    """Run ``plan`` taking, at each turn, the step ``choose`` picks among those whose inputs are
    ready; free every value once all the steps that read it have run.

    The :class:`~dataflow.execution.scheduler.ReadyQueue` of a concurrent runner, driven in
    one thread so that any order can be tested: ``choose`` may be ``random.choice``. Values are
    freed from the plan's :attr:`~dataflow.plan.Plan.schedule`, never from the in-order
    ``release`` lists."""
    queue = ReadyQueue(plan, values)
    steps = plan.steps
    ready = queue.ready
    while not queue.done:
        candidates = [steps[index] for index in ready]
        position = candidates.index(choose(candidates))
        index = ready[position]
        del ready[position], candidates
        step = steps[index]
        kwargs = queue.arguments(index)
        try:
            result = step.fn(**kwargs)
        except Exception as error:
            raise annotate_failure(error, step, kwargs) from None
        del kwargs
        queue.finish(index, result)
        del result
    return queue.outputs()


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


# -- the interpreted loop over prepared steps ---------------------------------------------------

NO_ARGS, ONE_POSITIONAL, POSITIONAL, KEYWORDS = range(4)

Prepared = tuple[Callable[..., Any], str, Any, int, tuple[str, ...]]
"""A step ready for :func:`run_prepared`: (function, name, argument getter, call kind,
values released after it)."""


def prepare(steps: Sequence[Step], is_positional: Callable[[Step], bool]) -> list[Prepared]:
    """``steps`` as :func:`run_prepared` reads them: the arguments fetched by one
    ``operator.itemgetter`` call and passed by position where ``is_positional(step)``."""
    import operator
    import types

    from dataflow.execution.compiled import positional

    getter = operator.itemgetter
    prepared: list[Prepared] = []
    append = prepared.append
    get: Any
    function = types.FunctionType
    inline = is_positional is positional  # its test inlined below: one step per node
    with without_collection():  # many small objects, no cycles
        for step in steps:
            args = step.args
            if not args:
                kind, get = NO_ARGS, None
            elif inline:
                fn = step.node.fn
                count = len(args)
                code = fn.__code__ if type(fn) is function else None  # type: ignore[union-attr]
                if (code is not None and count <= code.co_argcount
                        and not code.co_posonlyargcount and code.co_varnames[:count] == args
                        and not code.co_flags & 0x180):
                    kind, get = ((ONE_POSITIONAL, getter(args[0])) if count == 1
                                 else (POSITIONAL, getter(*args)))
                else:
                    kind, get = KEYWORDS, args
            elif not is_positional(step):
                kind, get = KEYWORDS, args
            elif len(args) == 1:
                kind, get = ONE_POSITIONAL, getter(args[0])
            else:
                kind, get = POSITIONAL, getter(*args)
            node = step.node
            append((node.fn, node.name, get, kind, step.release))  # type: ignore[arg-type]
    return prepared


def run_prepared(prepared: Sequence[Prepared], steps: Sequence[Step],
                 values: dict[str, Any]) -> None:
    """Run ``prepared`` (made by :func:`prepare` from ``steps``) over ``values``, as
    :func:`run_plan` runs steps: each value freed after its last reader, a failure annotated
    with its step."""
    name = ""
    try:
        for fn, name, get, kind, release in prepared:
            if kind == ONE_POSITIONAL:
                values[name] = fn(get(values))
            elif kind == POSITIONAL:
                values[name] = fn(*get(values))
            elif kind == KEYWORDS:
                values[name] = fn(**{arg: values[arg] for arg in get})
            else:
                values[name] = fn()
            for dead in release:
                del values[dead]
    except Exception as error:
        step = next(s for s in steps if s.node.name == name)
        raise annotate_failure(error, step, {a: values[a] for a in step.args}) from None
