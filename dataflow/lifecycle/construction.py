"""What a driver's adapters do once its graph is built: validators judge it, then construction
hooks hear about it (Hamilton's order). Graph validators and construction hooks are handed the
graph as Hamilton's :class:`~dataflow.graph_types.HamiltonGraph` (made here only when one of
them is registered).

Every failure of every :class:`~dataflow.lifecycle.api.StaticValidator` is collected and raised
at once, each naming its node, the node's function and file:line, and the validator.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any

from dataflow.execution.hooks import HookSet, call_hooks, hook_failure
from dataflow.graph import Graph
from dataflow.graph_types import hamilton_graph
from dataflow.lifecycle.api import ValidationException


def after_graph_construction(hooks: HookSet, graph: Graph,
                             modules: Sequence[types.ModuleType]) -> None:
    """Run the validators of ``hooks`` over ``graph`` (raising :class:`ValidationException`
    with every failure), then its ``run_after_graph_construction`` hooks."""
    failures = _node_failures(hooks, graph) + _graph_failures(hooks, graph)
    if failures:
        raise ValidationException(
            f"The graph failed {len(failures)} validation(s) of its adapters:\n"
            + "\n".join(failures))
    for hook in hooks.after_construction:
        call_hooks((hook,), None, **construction_kwargs(hook, graph, modules))


def construction_kwargs(hook: Any, graph: Graph,
                        modules: Sequence[types.ModuleType]) -> dict[str, Any]:
    """What ``run_after_graph_construction`` is called with: Hamilton's ``graph`` (a
    :class:`~dataflow.graph_types.HamiltonGraph`) and ``config``, as Hamilton passes them (so a
    hook that declares only those runs), and ``modules`` for the ``lifecycle.base`` classes whose
    ``post_graph_construct`` takes them."""
    kwargs: dict[str, Any] = {"graph": hamilton_graph(graph), "config": dict(graph.config)}
    if getattr(getattr(hook[1], "__self__", None), "receives_modules", False):
        kwargs["modules"] = list(modules)
    return kwargs


def _node_failures(hooks: HookSet, graph: Graph) -> list[str]:
    failures: list[str] = []
    if not hooks.node_validators:
        return failures
    shown = hamilton_graph(graph)
    for node in sorted(graph.nodes.values(), key=lambda n: n.name):
        hamilton_node = shown[node.name]  # what Hamilton's StaticValidator is given
        for name, validate in hooks.node_validators:
            passed, message = _judged(name, node.name, validate, node=hamilton_node)
            if not passed:
                failures.append(f"  {node.name}: {message} [{name}; the node is {node.where()}]")
    return failures


def _graph_failures(hooks: HookSet, graph: Graph) -> list[str]:
    failures: list[str] = []
    for name, validate in hooks.graph_validators:
        passed, message = _judged(name, None, validate, graph=hamilton_graph(graph))
        if not passed:
            failures.append(f"  the graph: {message} [{name}]")
    return failures


def _judged(hook: str, node_name: str | None, validate: Any, **kwargs: Any) -> tuple[bool, Any]:
    try:
        passed, message = validate(**kwargs)
    except BaseException as error:
        hook_failure(error, hook, node_name)
        raise
    return bool(passed), message
