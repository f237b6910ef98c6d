"""Hamilton's ``hamilton.lifecycle.base`` names that user code imports: the marker base class
of adapters, the error validators raise, and the one-hook base classes (``BasePreNodeExecute``,
``BasePostGraphExecuteAsync``, ...) that Hamilton's trackers and async adapters are written on.

Each base class here declares Hamilton's method (``pre_node_execute(run_id=, node_=, kwargs=,
task_id=)``, ...) and translates the lifecycle API's call into it, so an adapter subclassing one
runs on every driver unchanged. The ``...Async`` classes' methods are ``async def``: the
:mod:`dataflow.async_driver` awaits them; the synchronous driver refuses them at build, naming
them. ``node_`` is a :class:`HookNode` (the node's name, type, tags, input types and, for
``do_node_execute``, its function); ``graph`` is the driver's :class:`~dataflow.graph.Graph`,
as Hamilton hands these classes its internal ``FunctionGraph`` (the lifecycle API's own graph
hooks get a :class:`~dataflow.graph_types.HamiltonGraph`; :func:`~dataflow.graph_types.
internal_graph` takes the graph back from it).

>>> import asyncio
>>> from dataflow import ad_hoc_utils, async_driver
>>> class Log(BasePreNodeExecuteAsync):
...     def __init__(self):
...         self.seen = []
...     async def pre_node_execute(self, *, run_id, node_, kwargs, task_id=None):
...         self.seen.append((node_.name, kwargs))
>>> async def doubled(x: int) -> int: return 2 * x
>>> log = Log()
>>> async def main():
...     dr = await async_driver.Builder().with_modules(
...         ad_hoc_utils.create_temporary_module(doubled)).with_adapters(log).build()
...     return await dr.execute(["doubled"], inputs={"x": 2})
>>> asyncio.run(main())
{'doubled': 4}
>>> log.seen
[('doubled', {'x': 2})]
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dataflow.graph_types import internal_graph
from dataflow.lifecycle.api import LifecycleAdapter, ValidationException

__all__ = [
    "BaseDoNodeExecute",
    "BaseDoNodeExecuteAsync",
    "BasePostGraphConstruct",
    "BasePostGraphConstructAsync",
    "BasePostGraphExecute",
    "BasePostGraphExecuteAsync",
    "BasePostNodeExecute",
    "BasePostNodeExecuteAsync",
    "BasePostTaskExecute",
    "BasePostTaskExecuteAsync",
    "BasePreGraphExecute",
    "BasePreGraphExecuteAsync",
    "BasePreNodeExecute",
    "BasePreNodeExecuteAsync",
    "BasePreTaskExecute",
    "BasePreTaskExecuteAsync",
    "HookNode",
    "LifecycleAdapter",
    "ValidationException",
]


@dataclass(frozen=True)
class HookNode:
    """The ``node_`` a Hamilton-style hook receives: what the run knows of the node."""

    name: str
    type: Any
    tags: dict[str, Any]
    input_types: dict[str, Any] = field(default_factory=dict)
    callable: Callable[..., Any] | None = None
    """The node's function (given to ``do_node_execute``; ``None`` for the other hooks)."""

    def __call__(self, **kwargs: Any) -> Any:
        """Run the node's function, as calling Hamilton's node does (``node_(**kwargs)``)."""
        if self.callable is None:
            raise TypeError(f"node {self.name!r}: only the node given to do_node_execute can "
                            "be called")
        return self.callable(**kwargs)


def _node(node_name: str, facts: dict[str, Any], fn: Callable[..., Any] | None = None) -> HookNode:
    return HookNode(node_name, facts.get("node_return_type", Any), dict(facts.get("node_tags", {})),
                    dict(facts.get("node_input_types", {})), fn)


# -- after graph construction --------------------------------------------------------------

class BasePostGraphConstruct(LifecycleAdapter, abc.ABC):
    """``post_graph_construct(graph=, modules=, config=)`` once the driver's graph is built."""

    receives_modules = True
    """The construction hook is also handed the driver's modules (Hamilton's base class
    takes them; its api hooks do not)."""

    @abc.abstractmethod
    def post_graph_construct(self, *, graph: Any, modules: list[Any],
                             config: dict[str, Any]) -> None: ...

    def run_after_graph_construction(self, *, graph: Any, config: dict[str, Any],
                                     modules: list[Any] | None = None,
                                     **future_kwargs: Any) -> None:
        self.post_graph_construct(graph=internal_graph(graph), modules=list(modules or []),
                                  config=config)


class BasePostGraphConstructAsync(LifecycleAdapter, abc.ABC):
    """:class:`BasePostGraphConstruct`, awaited by ``await async_driver.Builder()...build()``."""

    receives_modules = True
    """The construction hook is also handed the driver's modules (Hamilton's base class
    takes them; its api hooks do not)."""

    @abc.abstractmethod
    async def post_graph_construct(self, *, graph: Any, modules: list[Any],
                                   config: dict[str, Any]) -> None: ...

    async def run_after_graph_construction(self, *, graph: Any, config: dict[str, Any],
                                           modules: list[Any] | None = None,
                                           **future_kwargs: Any) -> None:
        await self.post_graph_construct(graph=internal_graph(graph),
                                        modules=list(modules or []), config=config)


# -- graph execution -------------------------------------------------------------------------

class BasePreGraphExecute(LifecycleAdapter, abc.ABC):
    """``pre_graph_execute(run_id=, graph=, final_vars=, inputs=, overrides=)`` before a run."""

    @abc.abstractmethod
    def pre_graph_execute(self, *, run_id: str, graph: Any, final_vars: list[str],
                          inputs: dict[str, Any], overrides: dict[str, Any]) -> None: ...

    def run_before_graph_execution(self, *, run_id: str, graph: Any, final_vars: list[str],
                                   inputs: dict[str, Any], overrides: dict[str, Any],
                                   **future_kwargs: Any) -> None:
        self.pre_graph_execute(run_id=run_id, graph=internal_graph(graph),
                               final_vars=final_vars, inputs=inputs, overrides=overrides)


class BasePreGraphExecuteAsync(LifecycleAdapter, abc.ABC):
    """:class:`BasePreGraphExecute`, awaited by the async driver."""

    @abc.abstractmethod
    async def pre_graph_execute(self, *, run_id: str, graph: Any, final_vars: list[str],
                                inputs: dict[str, Any], overrides: dict[str, Any]) -> None: ...

    async def run_before_graph_execution(self, *, run_id: str, graph: Any,
                                         final_vars: list[str], inputs: dict[str, Any],
                                         overrides: dict[str, Any],
                                         **future_kwargs: Any) -> None:
        await self.pre_graph_execute(run_id=run_id, graph=internal_graph(graph),
                                     final_vars=final_vars, inputs=inputs, overrides=overrides)


class BasePostGraphExecute(LifecycleAdapter, abc.ABC):
    """``post_graph_execute(run_id=, graph=, success=, error=, results=)`` after a run, however
    it ended."""

    @abc.abstractmethod
    def post_graph_execute(self, *, run_id: str, graph: Any, success: bool,
                           error: BaseException | None,
                           results: dict[str, Any] | None) -> None: ...

    def run_after_graph_execution(self, *, run_id: str, graph: Any, success: bool,
                                  error: BaseException | None, results: dict[str, Any] | None,
                                  **future_kwargs: Any) -> None:
        self.post_graph_execute(run_id=run_id, graph=internal_graph(graph), success=success,
                                error=error, results=results)


class BasePostGraphExecuteAsync(LifecycleAdapter, abc.ABC):
    """:class:`BasePostGraphExecute`, awaited by the async driver."""

    @abc.abstractmethod
    async def post_graph_execute(self, *, run_id: str, graph: Any, success: bool,
                                 error: BaseException | None,
                                 results: dict[str, Any] | None) -> None: ...

    async def run_after_graph_execution(self, *, run_id: str, graph: Any, success: bool,
                                        error: BaseException | None,
                                        results: dict[str, Any] | None,
                                        **future_kwargs: Any) -> None:
        await self.post_graph_execute(run_id=run_id, graph=internal_graph(graph),
                                      success=success, error=error, results=results)


# -- node execution --------------------------------------------------------------------------

class BasePreNodeExecute(LifecycleAdapter, abc.ABC):
    """``pre_node_execute(run_id=, node_=, kwargs=, task_id=)`` before each node."""

    @abc.abstractmethod
    def pre_node_execute(self, *, run_id: str, node_: HookNode, kwargs: dict[str, Any],
                         task_id: str | None = None) -> None: ...

    def run_before_node_execution(self, *, node_name: str, node_kwargs: dict[str, Any],
                                  task_id: str | None = None, run_id: str = "",
                                  **facts: Any) -> None:
        self.pre_node_execute(run_id=run_id, node_=_node(node_name, facts), kwargs=node_kwargs,
                              task_id=task_id)


class BasePreNodeExecuteAsync(LifecycleAdapter, abc.ABC):
    """:class:`BasePreNodeExecute`, awaited by the async driver."""

    @abc.abstractmethod
    async def pre_node_execute(self, *, run_id: str, node_: HookNode, kwargs: dict[str, Any],
                               task_id: str | None = None) -> None: ...

    async def run_before_node_execution(self, *, node_name: str, node_kwargs: dict[str, Any],
                                        task_id: str | None = None, run_id: str = "",
                                        **facts: Any) -> None:
        await self.pre_node_execute(run_id=run_id, node_=_node(node_name, facts),
                                    kwargs=node_kwargs, task_id=task_id)


class BasePostNodeExecute(LifecycleAdapter, abc.ABC):
    """``post_node_execute(run_id=, node_=, kwargs=, success=, error=, result=, task_id=)``
    after each node, however it ended."""

    @abc.abstractmethod
    def post_node_execute(self, *, run_id: str, node_: HookNode, kwargs: dict[str, Any],
                          success: bool, error: BaseException | None, result: Any,
                          task_id: str | None = None) -> None: ...

    def run_after_node_execution(self, *, node_name: str, node_kwargs: dict[str, Any],
                                 success: bool, error: BaseException | None, result: Any,
                                 task_id: str | None = None, run_id: str = "",
                                 **facts: Any) -> None:
        self.post_node_execute(run_id=run_id, node_=_node(node_name, facts), kwargs=node_kwargs,
                               success=success, error=error, result=result, task_id=task_id)


class BasePostNodeExecuteAsync(LifecycleAdapter, abc.ABC):
    """:class:`BasePostNodeExecute`, awaited by the async driver."""

    @abc.abstractmethod
    async def post_node_execute(self, *, run_id: str, node_: HookNode, kwargs: dict[str, Any],
                                success: bool, error: BaseException | None, result: Any,
                                task_id: str | None = None) -> None: ...

    async def run_after_node_execution(self, *, node_name: str, node_kwargs: dict[str, Any],
                                       success: bool, error: BaseException | None, result: Any,
                                       task_id: str | None = None, run_id: str = "",
                                       **facts: Any) -> None:
        await self.post_node_execute(run_id=run_id, node_=_node(node_name, facts),
                                     kwargs=node_kwargs, success=success, error=error,
                                     result=result, task_id=task_id)


class BaseDoNodeExecute(LifecycleAdapter, abc.ABC):
    """``do_node_execute(run_id=, node_=, kwargs=, task_id=)`` calls the node (``node_.callable``)
    and returns its value: the lifecycle API's ``run_to_execute_node``."""

    @abc.abstractmethod
    def do_node_execute(self, *, run_id: str, node_: HookNode, kwargs: dict[str, Any],
                        task_id: str | None = None) -> Any: ...

    def run_to_execute_node(self, *, node_name: str, node_callable: Callable[..., Any],
                            node_kwargs: dict[str, Any], task_id: str | None = None,
                            **facts: Any) -> Any:
        return self.do_node_execute(run_id=facts.get("run_id", ""),
                                    node_=_node(node_name, facts, node_callable),
                                    kwargs=node_kwargs, task_id=task_id)


class BaseDoNodeExecuteAsync(LifecycleAdapter, abc.ABC):
    """:class:`BaseDoNodeExecute` as a coroutine, awaited by the async driver (an async node's
    ``node_.callable(**kwargs)`` is a coroutine to await)."""

    @abc.abstractmethod
    async def do_node_execute(self, *, run_id: str, node_: HookNode, kwargs: dict[str, Any],
                              task_id: str | None = None) -> Any: ...

    async def run_to_execute_node(self, *, node_name: str, node_callable: Callable[..., Any],
                                  node_kwargs: dict[str, Any], task_id: str | None = None,
                                  **facts: Any) -> Any:
        return await self.do_node_execute(run_id=facts.get("run_id", ""),
                                          node_=_node(node_name, facts, node_callable),
                                          kwargs=node_kwargs, task_id=task_id)


# -- task execution (task-based runs) ------------------------------------------------------

class BasePreTaskExecute(LifecycleAdapter, abc.ABC):
    """``pre_task_execute(run_id=, task_id=, nodes=, inputs=, overrides=, spawning_task_id=,
    purpose=)`` before each task of a task-based run."""

    @abc.abstractmethod
    def pre_task_execute(self, *, run_id: str, task_id: str, nodes: list[Any],
                         inputs: dict[str, Any], overrides: dict[str, Any],
                         spawning_task_id: str | None, purpose: Any) -> None: ...

    def run_before_task_execution(self, *, run_id: str, task_id: str, nodes: list[Any],
                                  inputs: dict[str, Any], overrides: dict[str, Any],
                                  spawning_task_id: str | None, purpose: Any,
                                  **future_kwargs: Any) -> None:
        self.pre_task_execute(run_id=run_id, task_id=task_id, nodes=nodes, inputs=inputs,
                              overrides=overrides, spawning_task_id=spawning_task_id,
                              purpose=purpose)


class BasePreTaskExecuteAsync(LifecycleAdapter, abc.ABC):
    """:class:`BasePreTaskExecute` as a coroutine."""

    @abc.abstractmethod
    async def pre_task_execute(self, *, run_id: str, task_id: str, nodes: list[Any],
                               inputs: dict[str, Any], overrides: dict[str, Any],
                               spawning_task_id: str | None, purpose: Any) -> None: ...

    async def run_before_task_execution(self, *, run_id: str, task_id: str, nodes: list[Any],
                                        inputs: dict[str, Any], overrides: dict[str, Any],
                                        spawning_task_id: str | None, purpose: Any,
                                        **future_kwargs: Any) -> None:
        await self.pre_task_execute(run_id=run_id, task_id=task_id, nodes=nodes, inputs=inputs,
                                    overrides=overrides, spawning_task_id=spawning_task_id,
                                    purpose=purpose)


class BasePostTaskExecute(LifecycleAdapter, abc.ABC):
    """``post_task_execute(run_id=, task_id=, nodes=, results=, success=, error=,
    spawning_task_id=, purpose=)`` after each task of a task-based run."""

    @abc.abstractmethod
    def post_task_execute(self, *, run_id: str, task_id: str, nodes: list[Any],
                          results: dict[str, Any] | None, success: bool,
                          error: BaseException | None, spawning_task_id: str | None,
                          purpose: Any) -> None: ...

    def run_after_task_execution(self, *, run_id: str, task_id: str, nodes: list[Any],
                                 results: dict[str, Any] | None, success: bool,
                                 error: BaseException | None, spawning_task_id: str | None,
                                 purpose: Any, **future_kwargs: Any) -> None:
        self.post_task_execute(run_id=run_id, task_id=task_id, nodes=nodes, results=results,
                               success=success, error=error,
                               spawning_task_id=spawning_task_id, purpose=purpose)


class BasePostTaskExecuteAsync(LifecycleAdapter, abc.ABC):
    """:class:`BasePostTaskExecute` as a coroutine."""

    @abc.abstractmethod
    async def post_task_execute(self, *, run_id: str, task_id: str, nodes: list[Any],
                                results: dict[str, Any] | None, success: bool,
                                error: BaseException | None, spawning_task_id: str | None,
                                purpose: Any) -> None: ...

    async def run_after_task_execution(self, *, run_id: str, task_id: str, nodes: list[Any],
                                       results: dict[str, Any] | None, success: bool,
                                       error: BaseException | None,
                                       spawning_task_id: str | None, purpose: Any,
                                       **future_kwargs: Any) -> None:
        await self.post_task_execute(run_id=run_id, task_id=task_id, nodes=nodes,
                                     results=results, success=success, error=error,
                                     spawning_task_id=spawning_task_id, purpose=purpose)
