"""Which of a function's nodes a decorator applies to (``target_`` / ``on_output``), shared by
``@tag``, ``@check_output``, ``@pipe_output``, ``@mutate`` and friends.

* ``None``: the *final* nodes, those no other node of the function consumes and not marked
  :data:`NON_FINAL_TAG` (e.g. the columns of ``@extract_columns``, not the frame);
* ``...``: every node;
* a name or a collection of names: those nodes, each of which must exist.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from dataflow.errors import did_you_mean
from dataflow.instructions import DecoratorUsageError, ResolveContext
from dataflow.node import Node

__all__ = ["NON_FINAL_TAG", "Target", "check_target", "final_nodes", "select_targets"]

NON_FINAL_TAG = "hamilton.non_final_node"
"""Set (as Hamilton does, under Hamilton's name) on nodes a decorator generated *inside* a
function's nodes (subdag and with_columns internals): a later ``target_=None`` transform
(check_output, pipe_output, tag) skips them."""

Target = str | Collection[str] | None


def final_nodes(nodes: Sequence[Node]) -> list[Node]:
    """Nodes no other node of ``nodes`` depends on (internal nodes excluded). Linear time."""
    consumed = {dep.name for node in nodes for dep in node.dependencies}
    return [n for n in nodes if n.name not in consumed and not n.tags.get(NON_FINAL_TAG)]


def select_targets(
    nodes: Sequence[Node], target: Any, context: ResolveContext, decorator: str
) -> list[Node]:
    """The nodes a decorator applies to (see the module docstring); a name that is not a node
    of the function is an error naming the decorator, the function and its file:line."""
    if target is None:
        return final_nodes(nodes)
    if target is Ellipsis:
        return list(nodes)
    names = [target] if isinstance(target, str) else list(target)
    by_name = {n.name: n for n in nodes}
    missing = [name for name in names if name not in by_name]
    if missing:
        hint = did_you_mean(missing[0], by_name)
        raise context.error(
            decorator,
            f"target {', '.join(repr(m) for m in missing)} is not a node of this function; its "
            f"nodes are {', '.join(repr(n) for n in by_name)}.{hint}",
        )
    wanted = set(names)
    return [n for n in nodes if n.name in wanted]


def check_target(decorator: str, target: Any) -> Any:
    """``target`` checked when decorating: ``None``, ``...``, a name or names (a tuple)."""
    if target is None or target is Ellipsis or isinstance(target, str):
        return target
    if isinstance(target, Collection) and all(isinstance(t, str) for t in target):
        return tuple(target)
    raise DecoratorUsageError(
        f"@{decorator}: target_ must be None (final nodes), ... (all nodes), a node name or a "
        f"list of node names; got {target!r}")
