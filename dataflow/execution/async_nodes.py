"""An ``async def`` node under a plain ``run_to_execute_node`` adapter.

An adapter written for plain nodes calls ``node_callable(**node_kwargs)`` and expects the node's
value, or its exception, there and then: it may catch the error, replace or inspect the value.
For an async node that call would only make a coroutine, and the node's error would come later,
outside the adapter. So, on an event loop, the adapter is called on a helper thread, and its
``node_callable`` runs the node's coroutine on the run's own loop (one loop for the whole run
still) and returns its value or raises its exception in the adapter. The loop goes on meanwhile:
independent async nodes still overlap.

An adapter that handles coroutines itself (an ``async def run_to_execute_node``, or one whose
class sets ``awaits_async_nodes = True``, as :class:`~dataflow.lifecycle.GracefulErrorAdapter`)
is called as usual and handed the coroutine function.

When the run is cancelled, the node's coroutine is cancelled and awaited, and the adapter's
thread is waited for (its ``node_callable`` raises ``CancelledError``), before the cancellation
propagates: nothing goes on behind the caller's back.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

from dataflow.execution.hooks import hook_failure

_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def handles_coroutines(run_to_execute_node: Callable[..., Any]) -> bool:
    """Whether the adapter method can be handed an async node's coroutine function."""
    if inspect.iscoroutinefunction(run_to_execute_node):
        return True
    owner = getattr(run_to_execute_node, "__self__", None)
    return bool(getattr(owner, "awaits_async_nodes", False))


def _threads() -> concurrent.futures.ThreadPoolExecutor:
    """The helper threads (made on first use; as many as async nodes wait at once, up to 64)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=64, thread_name_prefix="dataflow-adapter")
        return _pool


def _completed(fn: Callable[..., Any], **kwargs: Any) -> Any:
    """``fn``'s value, awaited to completion (in a worker thread, without a running loop)."""
    from dataflow.execution.loop import await_result

    return await_result(fn(**kwargs))


def completing(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A ``node_callable`` returning the value of the async function ``fn`` (for a thread or
    process worker with no running loop)."""
    return functools.partial(_completed, fn)


async def call_through_thread(hook: str, node_name: str, call: Callable[..., Any],
                              fn: Callable[..., Any]) -> Any:
    """``call(node_callable=...)`` (the adapter's ``run_to_execute_node`` with every other
    argument bound) on a helper thread, its ``node_callable`` running ``fn``'s coroutine on the
    running loop; the adapter's result (awaited, if awaitable). See the module docstring."""
    from dataflow.execution.loop import raised_by

    loop = asyncio.get_running_loop()
    lock = threading.Lock()
    handed: list[concurrent.futures.Future[Any]] = []  # to the loop, maybe not started yet
    running: list[asyncio.Task[Any]] = []  # started on the loop
    stopped = False

    async def tracked(coroutine: Any) -> Any:
        task = asyncio.current_task()
        assert task is not None
        running.append(task)
        return await coroutine

    def node_callable(**kwargs: Any) -> Any:
        with lock:
            if stopped:
                raise asyncio.CancelledError
            future = asyncio.run_coroutine_threadsafe(tracked(fn(**kwargs)), loop)
            handed.append(future)
        return future.result()

    in_thread = loop.run_in_executor(_threads(), functools.partial(call,
                                                                   node_callable=node_callable))
    try:
        result = await asyncio.shield(in_thread)
        if inspect.isawaitable(result):
            result = await result
    except asyncio.CancelledError:
        with lock:
            stopped = True
            for future in handed:  # one not started yet never starts
                future.cancel()
        for task in running:
            task.cancel()
        # wait for the node's finally blocks and the adapter's end
        await asyncio.wait([*running, in_thread])
        if not in_thread.cancelled():
            in_thread.exception()  # retrieved: the adapter ended by the node's cancellation
        raise
    except BaseException as error:
        if not raised_by(error, fn):
            hook_failure(error, hook, node_name)
        raise
    return result
