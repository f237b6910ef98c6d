"""Base classes for adapters: hooks at build and run time, validators, result builders.

Subclass one (or several) and pass instances to ``Builder().with_adapters(...)``. The class
names, method names and keyword arguments follow Hamilton's ``hamilton.lifecycle`` API so
existing adapters port; every hook also receives ``**future_kwargs`` so new facts can be added
without breaking them. When each is called: docs/execution.md.

>>> class CountCalls(NodeExecutionHook):
...     def __init__(self):
...         self.calls = 0
...     def run_before_node_execution(self, *, node_name, **future_kwargs):
...         self.calls += 1
...     def run_after_node_execution(self, *, node_name, **future_kwargs):
...         pass
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dataflow.errors import DataflowError


class LifecycleAdapter:
    """Marker base class of everything ``with_adapters`` accepts."""


class ValidationException(DataflowError):
    """A :class:`StaticValidator` refused a node or the graph when the driver was built."""


class GraphConstructionHook(LifecycleAdapter, abc.ABC):
    """Called once when a driver has built its graph (after the validators passed)."""

    @abc.abstractmethod
    def run_after_graph_construction(
        self, *, graph: Any, config: dict[str, Any], **future_kwargs: Any,
    ) -> None:
        """``graph`` is a :class:`~dataflow.graph_types.HamiltonGraph` (its ``nodes``, each
        node's ``name``, ``type``, ``tags``, dependencies, ...); ``config`` the driver's config.
        Nothing else is passed today (as in Hamilton); ``future_kwargs`` keeps a hook working
        when later versions pass more."""


class GraphExecutionHook(LifecycleAdapter, abc.ABC):
    """Called once before and once after each ``execute``; ``graph`` is a
    :class:`~dataflow.graph_types.HamiltonGraph`."""

    @abc.abstractmethod
    def run_before_graph_execution(
        self, *, graph: Any, final_vars: list[str], inputs: dict[str, Any],
        overrides: dict[str, Any], execution_path: list[str], run_id: str,
        **future_kwargs: Any,
    ) -> None: ...

    @abc.abstractmethod
    def run_after_graph_execution(
        self, *, graph: Any, success: bool, error: BaseException | None,
        results: dict[str, Any] | None, run_id: str, **future_kwargs: Any,
    ) -> None: ...


class NodeExecutionHook(LifecycleAdapter, abc.ABC):
    """Called before and after each node runs (only when registered: no cost otherwise)."""

    @abc.abstractmethod
    def run_before_node_execution(
        self, *, node_name: str, node_tags: dict[str, Any], node_kwargs: dict[str, Any],
        node_return_type: type, task_id: str | None, run_id: str,
        node_input_types: dict[str, Any], **future_kwargs: Any,
    ) -> None: ...

    @abc.abstractmethod
    def run_after_node_execution(
        self, *, node_name: str, node_tags: dict[str, Any], node_kwargs: dict[str, Any],
        node_return_type: type, result: Any, error: BaseException | None, success: bool,
        task_id: str | None, run_id: str, **future_kwargs: Any,
    ) -> None: ...


class NodeExecutionMethod(LifecycleAdapter, abc.ABC):
    """Decides how a node's function is called (the last one registered wins).

    For an ``async def`` node too, ``node_callable(**node_kwargs)`` returns the node's value or
    raises its error inside this method: on an event loop the method is then called on a helper
    thread while the node runs on the run's loop (:mod:`dataflow.execution.async_nodes`). An
    adapter that handles coroutines itself (an ``async def run_to_execute_node``, or a class
    attribute ``awaits_async_nodes = True``) is handed the coroutine function instead, and the
    driver awaits what it returns."""

    @abc.abstractmethod
    def run_to_execute_node(
        self, *, node_name: str, node_tags: dict[str, Any], node_callable: Callable[..., Any],
        node_kwargs: dict[str, Any], task_id: str | None, is_expand: bool, is_collect: bool,
        **future_kwargs: Any,
    ) -> Any: ...


class EdgeConnectionHook(LifecycleAdapter, abc.ABC):
    """Widens the type checks (it can only permit more, never less): an edge between two
    functions is accepted when the built-in rule or any such hook's ``check_edge_types_match``
    accepts it (at build), and an input value when the built-in check or any ``validate_input``
    accepts it (per request)."""

    @abc.abstractmethod
    def check_edge_types_match(self, type_from: type, type_to: type, **kwargs: Any) -> bool: ...

    @abc.abstractmethod
    def validate_input(self, node_type: type, input_value: Any, **kwargs: Any) -> bool: ...


class StaticValidator(LifecycleAdapter):
    """Checks the graph when the driver is built; every failure is reported at once in a
    :class:`ValidationException`. Override one method or both (each passes by default)."""

    def run_to_validate_node(self, *, node: Any, **future_kwargs: Any) -> tuple[bool, str | None]:
        """``node`` is a :class:`~dataflow.graph_types.HamiltonNode` (name, type, tags, ...).
        Return ``(True, None)`` or ``(False, "what is wrong")``."""
        return True, None

    def run_to_validate_graph(self, graph: Any, **future_kwargs: Any) -> tuple[bool, str | None]:
        """``graph`` is a :class:`~dataflow.graph_types.HamiltonGraph`."""
        return True, None


class ResultBuilder(LifecycleAdapter, abc.ABC):
    """Turns the requested outputs (by name) into the object ``execute`` returns."""

    @abc.abstractmethod
    def build_result(self, **outputs: Any) -> Any: ...

    def input_types(self) -> list[Any]:
        """The types of output this builder accepts (any, unless a subclass says otherwise)."""
        return [Any]

    def output_type(self) -> Any:
        return Any


class LegacyResultMixin(ResultBuilder, abc.ABC):
    """A result builder whose ``build_result`` is a static method (Hamilton's older style)."""

    @staticmethod
    @abc.abstractmethod
    def build_result(**outputs: Any) -> Any: ...


@dataclass(frozen=True)
class AdaptedNode:
    """The node a :class:`GraphAdapter`'s ``execute_node`` receives: its name, its function
    (``callable``, as Hamilton names it) and its tags."""

    name: str
    callable: Callable[..., Any]
    tags: dict[str, Any]


class GraphAdapter(LegacyResultMixin, abc.ABC):
    """Hamilton's all-in-one legacy adapter: builds the result, calls each node
    (``execute_node``, given an :class:`AdaptedNode`) and widens input checks
    (``check_input_type``). ``check_node_type_equivalence`` is not consulted."""

    def run_to_execute_node(self, *, node_name: str, node_tags: dict[str, Any],
                            node_callable: Callable[..., Any], node_kwargs: dict[str, Any],
                            **future_kwargs: Any) -> Any:
        return self.execute_node(AdaptedNode(node_name, node_callable, node_tags), node_kwargs)

    def validate_input(self, node_type: type, input_value: Any, **kwargs: Any) -> bool:
        return self.check_input_type(node_type, input_value)

    @staticmethod
    @abc.abstractmethod
    def check_input_type(node_type: type, input_value: Any) -> bool: ...

    @staticmethod
    @abc.abstractmethod
    def check_node_type_equivalence(node_type: type, input_type: type) -> bool: ...

    @abc.abstractmethod
    def execute_node(self, node: Any, kwargs: dict[str, Any]) -> Any: ...


class TaskExecutionHook(LifecycleAdapter, abc.ABC):
    """Called before and after each task of a fan-out run (a driver built with
    ``enable_dynamic_execution`` whose request has ``Parallelizable`` / ``Collect`` steps): each
    node outside the blocks is a task, each item of a block is one. Items run where the remote
    executor runs them, so these hooks may be called from worker threads (or on a worker
    process's copy of the adapter). Runs without fan-out have no tasks and call none of these.
    Task ids and purposes: docs/execution.md, "Dynamic fan-out"."""

    @abc.abstractmethod
    def run_before_task_execution(
        self, *, task_id: str, run_id: str, nodes: list[Any], inputs: dict[str, Any],
        overrides: dict[str, Any], spawning_task_id: str | None, purpose: Any,
        **future_kwargs: Any,
    ) -> None: ...

    @abc.abstractmethod
    def run_after_task_execution(
        self, *, task_id: str, run_id: str, nodes: list[Any], results: dict[str, Any] | None,
        success: bool, error: BaseException | None, spawning_task_id: str | None,
        purpose: Any, **future_kwargs: Any,
    ) -> None: ...


class TaskSubmissionHook(LifecycleAdapter, abc.ABC):
    """Called in the driver's thread before a task is submitted (fan-out runs only; see
    :class:`TaskExecutionHook`)."""

    @abc.abstractmethod
    def run_before_task_submission(
        self, *, run_id: str, task_id: str, nodes: list[Any], inputs: dict[str, Any],
        overrides: dict[str, Any], spawning_task_id: str | None, purpose: Any,
        **future_kwargs: Any,
    ) -> None: ...


class TaskReturnHook(LifecycleAdapter, abc.ABC):
    """Called in the driver's thread when a task has returned (fan-out runs only; see
    :class:`TaskExecutionHook`)."""

    @abc.abstractmethod
    def run_after_task_return(
        self, *, run_id: str, task_id: str, nodes: list[Any], result: Any, success: bool,
        error: BaseException | None, spawning_task_id: str | None, purpose: Any,
        **future_kwargs: Any,
    ) -> None: ...


class TaskGroupingHook(LifecycleAdapter, abc.ABC):
    """Called once a fan-out run's nodes are grouped into tasks, and each time a
    ``Parallelizable`` has expanded (``parameters``: its items by index, ``{"0": item, ...}``);
    fan-out runs only, see :class:`TaskExecutionHook`."""

    @abc.abstractmethod
    def run_after_task_grouping(self, *, run_id: str, task_ids: list[str],
                                **future_kwargs: Any) -> None: ...

    @abc.abstractmethod
    def run_after_task_expansion(self, *, run_id: str, task_id: str, parameters: dict[str, Any],
                                 **future_kwargs: Any) -> None: ...
