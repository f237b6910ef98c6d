"""Ready-made adapters, under Hamilton's names: printing, debugging, type checks at run time,
carrying on past failures, and slowing a run down for tests.

>>> from dataflow import ad_hoc_utils, base, driver
>>> def spend() -> float: return 10.0
>>> lines = []
>>> dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(spend))
...       .with_adapters(PrintLn(print_fn=lines.append), base.DictResult()).build())
>>> dr.execute(["spend"])
{'spend': 10.0}
>>> lines[0]
'Running node spend.'
"""

from __future__ import annotations

import inspect
import logging
import random
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from dataflow.lifecycle.api import EdgeConnectionHook, NodeExecutionHook, NodeExecutionMethod
from dataflow.node import qualified_type_name
from dataflow.type_rules import value_matches

logger = logging.getLogger(__name__)

NodeFilter = Callable[[str, dict[str, Any]], bool] | list[str] | str | None
"""Which nodes an adapter acts on: a predicate of (name, tags), a list of names, one name, or
``None`` for every node."""

F = TypeVar("F", bound=Callable[..., Any])


def should_run_node(node_name: str, node_tags: dict[str, Any], node_filter: NodeFilter) -> bool:
    """Whether ``node_filter`` selects the node."""
    if node_filter is None:
        return True
    if isinstance(node_filter, str):
        return node_name == node_filter
    if isinstance(node_filter, list):
        return node_name in node_filter
    if callable(node_filter):
        return bool(node_filter(node_name, node_tags))
    raise ValueError(f"node_filter must be a name, a list of names, a function of (name, tags) "
                     f"or None; got {node_filter!r}")


def _node_id(node_name: str, task_id: str | None) -> str:
    return node_name if task_id is None else f"{task_id}:{node_name}"


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g}μs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g}ms"
    return f"{seconds:.3g}s"


class PrintLn(NodeExecutionHook):
    """Prints a line when a node starts and when it ends (with its time and status).

    ``verbosity=2`` adds the node's inputs and its result or error; ``print_fn`` receives each
    message (``print`` by default; a logger's method works too)."""

    def __init__(self, verbosity: int = 1, print_fn: Callable[[str], None] = print,
                 node_filter: NodeFilter = None) -> None:
        if verbosity not in (1, 2):
            raise ValueError(f"PrintLn: verbosity is 1 (names and times) or 2 (also inputs and "
                             f"results), got {verbosity!r}")
        self.verbosity = verbosity
        self.print_fn = print_fn
        self.node_filter = node_filter
        self.timer_dict: dict[str, float] = {}

    def run_before_node_execution(self, *, node_name: str, node_tags: dict[str, Any],
                                  node_kwargs: dict[str, Any], task_id: str | None,
                                  **future_kwargs: Any) -> None:
        if not should_run_node(node_name, node_tags, self.node_filter):
            return
        key = _node_id(node_name, task_id)
        self.timer_dict[key] = time.perf_counter()
        message = f"Running node {key}."
        if self.verbosity == 2:
            import pprint

            message += f" Inputs:\n{pprint.pformat(node_kwargs)}"
        self.print_fn(message)

    def run_after_node_execution(self, *, node_name: str, node_tags: dict[str, Any],
                                 result: Any, error: BaseException | None, success: bool,
                                 task_id: str | None, **future_kwargs: Any) -> None:
        if not should_run_node(node_name, node_tags, self.node_filter):
            return
        key = _node_id(node_name, task_id)
        took = _duration(time.perf_counter() - self.timer_dict.pop(key))
        message = f"Finished node {key} in {took}: {'success' if success else 'failure'}."
        if self.verbosity == 2:
            import pprint

            message += (f" Result:\n{pprint.pformat(result)}" if success
                        else f" Error:\n{error!r}")
        self.print_fn(message)


class PDBDebugger(NodeExecutionHook, NodeExecutionMethod):
    """Stops in ``pdb`` at the nodes ``node_filter`` selects: ``before`` the call (the node's
    name, tags and inputs are local variables), ``during`` it (stepping into the function;
    :attr:`CONTEXT` holds the node's facts) and ``after`` it (with ``result`` and ``error``)."""

    CONTEXT: dict[str, Any] = {}
    awaits_async_nodes = True
    """An async node's coroutine is passed through, traced: ``during`` stops at its first
    line when the run's loop starts it."""

    def __init__(self, node_filter: NodeFilter, before: bool = False, during: bool = False,
                 after: bool = False) -> None:
        self.node_filter = node_filter
        self.run_before = before
        self.run_during = during
        self.run_after = after

    def run_to_execute_node(self, *, node_name: str, node_tags: dict[str, Any],
                            node_callable: Any, node_kwargs: dict[str, Any],
                            task_id: str | None, **future_kwargs: Any) -> Any:
        if not (self.run_during and should_run_node(node_name, node_tags, self.node_filter)):
            return node_callable(**node_kwargs)
        PDBDebugger.CONTEXT = {
            "node_name": node_name, "node_tags": node_tags, "node_callable": node_callable,
            "node_kwargs": node_kwargs, "task_id": task_id, "future_kwargs": future_kwargs,
        }
        import pdb  # a debugging session only: not imported with dataflow

        logger.warning("pdb: stepping into node %s; PDBDebugger.CONTEXT holds its name, tags, "
                       "function and inputs (%s)", node_name, ", ".join(node_kwargs))
        if inspect.iscoroutinefunction(node_callable):
            return _stepping_into(node_callable(**node_kwargs), pdb.Pdb())
        return pdb.runcall(node_callable, **node_kwargs)

    def run_before_node_execution(self, *, node_name: str, node_tags: dict[str, Any],
                                  node_kwargs: dict[str, Any], node_return_type: Any,
                                  task_id: str | None, **future_kwargs: Any) -> None:
        if self.run_before and should_run_node(node_name, node_tags, self.node_filter):
            import pdb

            logger.warning("pdb: before node %s; locals: node_name, node_tags, node_kwargs, "
                           "node_return_type, task_id", node_name)
            pdb.set_trace()

    def run_after_node_execution(self, *, node_name: str, node_tags: dict[str, Any],
                                 node_kwargs: dict[str, Any], node_return_type: Any,
                                 result: Any, error: BaseException | None, success: bool,
                                 task_id: str | None, **future_kwargs: Any) -> None:
        if self.run_after and should_run_node(node_name, node_tags, self.node_filter):
            import pdb

            logger.warning("pdb: after node %s; locals: node_name, node_tags, node_kwargs, "
                           "node_return_type, result, error, success, task_id", node_name)
            pdb.set_trace()


async def _stepping_into(coroutine: Any, debugger: Any) -> Any:
    """``coroutine`` awaited under ``debugger``, which stops at its first line (calling an
    ``async def`` function runs none of it, so ``pdb.runcall`` would stop nowhere)."""
    debugger.reset()
    sys.settrace(debugger.trace_dispatch)
    try:
        return await coroutine
    finally:
        debugger.quitting = True
        sys.settrace(None)


class SlowDownYouMoveTooFast(NodeExecutionHook):
    """Sleeps before every node, a normally distributed time (never below zero): for testing
    progress bars, timeouts and concurrency, never for production."""

    def __init__(self, sleep_time_mean: float, sleep_time_std: float) -> None:
        self.sleep_time_mean = sleep_time_mean
        self.sleep_time_std = sleep_time_std

    def run_before_node_execution(self, **future_kwargs: Any) -> None:
        time.sleep(max(0.0, random.gauss(self.sleep_time_mean, self.sleep_time_std)))

    def run_after_node_execution(self, **future_kwargs: Any) -> None:
        pass


class FunctionInputOutputTypeChecker(NodeExecutionHook):
    """Checks at run time that every node receives inputs of its parameters' annotated types
    and returns a value of its annotated return type; a mismatch raises ``TypeError`` naming
    the node. As the driver's own input check, only the outer class is compared (``list[int]``
    accepts any list)."""

    def __init__(self, check_input: bool = True, check_output: bool = True) -> None:
        self.check_input = check_input
        self.check_output = check_output

    def run_before_node_execution(self, *, node_name: str, node_kwargs: dict[str, Any],
                                  node_input_types: dict[str, Any],
                                  **future_kwargs: Any) -> None:
        if not self.check_input:
            return
        for name, value in node_kwargs.items():
            expected = node_input_types[name]
            if not value_matches(value, expected):
                raise TypeError(
                    f"Node {node_name!r} received {qualified_type_name(type(value))} for its "
                    f"parameter {name!r}, annotated {qualified_type_name(expected)}.")

    def run_after_node_execution(self, *, node_name: str, node_return_type: Any, result: Any,
                                 success: bool, **future_kwargs: Any) -> None:
        if self.check_output and success and not value_matches(result, node_return_type):
            raise TypeError(
                f"Node {node_name!r} returned {qualified_type_name(type(result))}, annotated "
                f"{qualified_type_name(node_return_type)}.")


ERROR_SENTINEL_TAG = "hamilton.error_sentinel"
"""The tag :func:`accept_error_sentinels` sets (Hamilton's key, so ported graphs match)."""
INJECTION_ALLOWED = "injection is requested"


def accept_error_sentinels(func: F) -> F:
    """Let the function run when :class:`GracefulErrorAdapter`'s sentinel is among its inputs
    (by default such a node is skipped and yields the sentinel itself): for gathering partial
    results or reporting failures."""
    from dataflow.function_modifiers import tag

    marked = tag(bypass_reserved_namespaces_=True, **{ERROR_SENTINEL_TAG: INJECTION_ALLOWED})(func)
    return marked  # type: ignore[return-value]  # the same function, tagged


class GracefulErrorAdapter(NodeExecutionMethod):
    """Carries on past failures: a node raising ``error_to_catch`` yields ``sentinel_value``
    instead, and a node receiving the sentinel is skipped and yields it too (unless marked with
    :func:`accept_error_sentinels` and ``allow_injection`` is on). Other errors propagate.

    Choose a sentinel your nodes never return (the default, ``None``, is ambiguous). An input
    is the sentinel when it has the sentinel's exact type and compares equal to it."""

    awaits_async_nodes = True
    """Handed an async node's coroutine function, it awaits the node inside its ``try``."""

    def __init__(self, error_to_catch: type[Exception], sentinel_value: Any = None,
                 try_all_parallel: bool = True, allow_injection: bool = True) -> None:
        self.error_to_catch = error_to_catch
        self.sentinel_value = sentinel_value
        self.try_all_parallel = try_all_parallel
        self.allow_injection = allow_injection

    def _is_sentinel(self, value: Any) -> bool:
        sentinel = self.sentinel_value
        return type(value) is type(sentinel) and bool(value == sentinel)

    def run_to_execute_node(self, *, node_callable: Any, node_kwargs: dict[str, Any],
                            node_tags: dict[str, Any], is_expand: bool = False,
                            **future_kwargs: Any) -> Any:
        skipped = [self.sentinel_value] if is_expand else self.sentinel_value
        injectable = (self.allow_injection
                      and node_tags.get(ERROR_SENTINEL_TAG) == INJECTION_ALLOWED)
        if not injectable and any(self._is_sentinel(v) for v in node_kwargs.values()):
            return skipped
        try:
            result = node_callable(**node_kwargs)
        except self.error_to_catch:
            return skipped
        if inspect.isawaitable(result):  # an async node: its error comes when it is awaited
            return self._awaited(result, skipped)
        return result

    async def _awaited(self, awaitable: Awaitable[Any], skipped: Any) -> Any:
        try:
            return await awaitable
        except self.error_to_catch:
            return skipped


class NoEdgeAndInputTypeChecking(EdgeConnectionHook):
    """Accepts edges between any annotations and input values of any type, as Hamilton's does
    (for exploring; the checks find real bugs)."""

    def check_edge_types_match(self, type_from: type, type_to: type, **kwargs: Any) -> bool:
        return True

    def validate_input(self, node_type: type, input_value: Any, **kwargs: Any) -> bool:
        return True
