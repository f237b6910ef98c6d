"""Base classes for adapters: hooks around graph and node execution, and result builders.

Subclass one (or several) and pass instances to ``Builder().with_adapters(...)``. The method
names and keyword arguments follow Hamilton's ``lifecycle`` API so existing adapters port;
every hook also receives ``**future_kwargs`` so new facts can be added without breaking them.

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
from typing import Any


class LifecycleAdapter:
    """Marker base class of everything ``with_adapters`` accepts."""


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
        node_return_type: type, result: Any, error: Exception | None, success: bool,
        task_id: str | None, run_id: str, **future_kwargs: Any,
    ) -> None: ...


class GraphExecutionHook(LifecycleAdapter, abc.ABC):
    """Called once before and once after each ``execute``."""

    @abc.abstractmethod
    def run_before_graph_execution(
        self, *, graph: Any, final_vars: list[str], inputs: dict[str, Any],
        overrides: dict[str, Any], execution_path: list[str], run_id: str,
        **future_kwargs: Any,
    ) -> None: ...

    @abc.abstractmethod
    def run_after_graph_execution(
        self, *, graph: Any, success: bool, error: Exception | None,
        results: dict[str, Any] | None, run_id: str, **future_kwargs: Any,
    ) -> None: ...


class NodeExecutionMethod(LifecycleAdapter, abc.ABC):
    """Decides how a node's function is called (the hook executors plug into)."""

    @abc.abstractmethod
    def run_to_execute_node(
        self, *, node_name: str, node_tags: dict[str, Any], node_callable: Callable[..., Any],
        node_kwargs: dict[str, Any], task_id: str | None, **future_kwargs: Any,
    ) -> Any: ...


class ResultBuilder(LifecycleAdapter, abc.ABC):
    """Turns the requested outputs (by name) into the object ``execute`` returns."""

    @abc.abstractmethod
    def build_result(self, **outputs: Any) -> Any: ...

    def output_type(self) -> Any:
        return Any
