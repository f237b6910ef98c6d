"""The hooks of one driver, sorted once by what they implement.

A driver is given adapters of many kinds (result builders, graph hooks, node hooks, a node
execution method). Asking every adapter at every call which methods it has would cost each
run, and each node, a scan; so :func:`hook_set` looks once, when the driver is built, and the
runners read plain tuples. With no hook registered, :attr:`HookSet.empty` is true and the run
takes the hook-free path: the hooks cost nothing.

A hook that raises keeps its exception type and gains a note naming the hook's class, the method
and the node it was called for, so a failure in an adapter is not mistaken for one in the node.

>>> class Count:
...     calls = 0
...     def run_before_node_execution(self, **kwargs): Count.calls += 1
>>> hooks = hook_set([Count(), object()])
>>> (hooks.empty, len(hooks.before_node), len(hooks.after_node))
(False, 1, 0)
>>> hook_set([]).empty
True
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from dataflow.execution.failures import add_note

Hook = tuple[str, Callable[..., Any]]
"""(a name for messages, ``"ClassName.method"``; the bound method)."""


@dataclass(frozen=True, slots=True)
class HookSet:
    """The hook methods of a driver's adapters, by the moment they are called."""

    before_graph: tuple[Hook, ...] = ()
    after_graph: tuple[Hook, ...] = ()
    before_node: tuple[Hook, ...] = ()
    after_node: tuple[Hook, ...] = ()
    node_method: Hook | None = None
    """The adapter that calls node functions itself (``run_to_execute_node``); the last wins."""
    edge_checks: tuple[Hook, ...] = ()
    """``check_edge_types_match(type_from, type_to)`` methods: an edge between two functions that
    the type rule refuses is accepted when one of them returns true (consulted at build)."""
    remote_execute: Hook | None = None
    """The adapter that decides where each node runs (``do_remote_execute``, Hamilton's
    ``BaseDoRemoteExecute``, as ``plugins.h_threadpool.FutureAdapter``): it is handed the node,
    its arguments and a callable running the node with its hooks, and returns what is stored as
    the node's value; the last wins."""
    input_validators: tuple[Hook, ...] = ()
    """``validate_input(node_type, input_value)`` methods: an input a step's annotation refuses
    is accepted when one of them returns true (consulted only for such inputs)."""
    after_construction: tuple[Hook, ...] = ()
    node_validators: tuple[Hook, ...] = ()
    graph_validators: tuple[Hook, ...] = ()
    before_task: tuple[Hook, ...] = ()
    """Task hooks (``run_before_task_execution`` ...): called around the tasks of a fan-out run
    only (:mod:`dataflow.execution.fanout_run`)."""
    after_task: tuple[Hook, ...] = ()
    task_submission: tuple[Hook, ...] = ()
    task_return: tuple[Hook, ...] = ()
    task_grouping: tuple[Hook, ...] = ()
    task_expansion: tuple[Hook, ...] = ()

    empty: bool = True
    """No hook at all: the run may take the hook-free path (a field, not a property: it is read
    at every ``execute``)."""
    node_level: bool = False
    """Some hook acts at each node, so the run loop must stop at each one."""


EMPTY_HOOKS = HookSet()


def refuse_async_hooks(hooks: HookSet) -> None:
    """A synchronous driver cannot await ``async def`` hook methods: refuse them at build, naming
    each, rather than let them be silently skipped (their coroutines would never run)."""
    every = (*hooks.before_graph, *hooks.after_graph, *hooks.before_node, *hooks.after_node,
             *((hooks.node_method,) if hooks.node_method else ()), *hooks.after_construction)
    awaited = sorted({name for name, method in every if inspect.iscoroutinefunction(method)})
    if awaited:
        from dataflow.errors import DataflowError

        raise DataflowError(
            f"Hook method(s) {', '.join(awaited)} are `async def`, which the synchronous driver "
            "cannot await. Build with dataflow.async_driver.Builder() (await dr.execute(...)), "
            "or make the methods plain functions."
        )


def _methods(adapters: Iterable[Any], name: str) -> tuple[Hook, ...]:
    return tuple(
        (f"{type(adapter).__name__}.{name}", getattr(adapter, name))
        for adapter in adapters if callable(getattr(adapter, name, None))
    )


def hook_set(adapters: Iterable[Any]) -> HookSet:
    """Sort ``adapters`` by the hook methods they define (once per driver)."""
    adapters = list(adapters)
    methods = _methods(adapters, "run_to_execute_node")
    before_graph = _methods(adapters, "run_before_graph_execution")
    after_graph = _methods(adapters, "run_after_graph_execution")
    before_node = _methods(adapters, "run_before_node_execution")
    after_node = _methods(adapters, "run_after_node_execution")
    remote = _methods(adapters, "do_remote_execute")
    node_level = bool(before_node or after_node or methods or remote)
    tasks = {name: _methods(adapters, method) for name, method in (
        ("before_task", "run_before_task_execution"), ("after_task", "run_after_task_execution"),
        ("task_submission", "run_before_task_submission"),
        ("task_return", "run_after_task_return"), ("task_grouping", "run_after_task_grouping"),
        ("task_expansion", "run_after_task_expansion"))}
    return HookSet(
        before_graph=before_graph, after_graph=after_graph,
        before_node=before_node, after_node=after_node,
        node_method=methods[-1] if methods else None,
        edge_checks=_methods(adapters, "check_edge_types_match"),
        remote_execute=remote[-1] if remote else None,
        input_validators=_methods(adapters, "validate_input"),
        after_construction=_methods(adapters, "run_after_graph_construction"),
        node_validators=_methods(adapters, "run_to_validate_node"),
        graph_validators=_methods(adapters, "run_to_validate_graph"),
        **tasks,
        empty=not (before_graph or after_graph or node_level or any(tasks.values())),
        node_level=node_level,
    )


def call_hooks(hooks: tuple[Hook, ...], at_node: str | None, /, **kwargs: Any) -> None:
    """Call each hook with ``kwargs``; a hook that raises gets a note naming it and the node
    ``at_node`` (``None`` for graph hooks)."""
    for name, method in hooks:
        try:
            method(**kwargs)
        except BaseException as error:
            hook_failure(error, name, at_node)
            raise


def hook_failure(error: BaseException, hook: str, node_name: str | None) -> BaseException:
    """``error`` with a note saying which hook raised it, and at which node (if any)."""
    where = f" for node {node_name!r}" if node_name is not None else ""
    add_note(error, f"dataflow: raised by the lifecycle hook {hook}{where}, not by the node "
                    "itself")
    return error
