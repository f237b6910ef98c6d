"""The graph in integer form, made once at build: a run order for every node and each node's
dependencies as positions in it.

Planning a request (:mod:`dataflow.plan`) then needs no walk of names and no object per node:
it marks the needed positions in a ``bytearray``, going down the order once, and reads the run
order off the marks (``itertools.compress``); the in-process runner keeps values in a list by
position (:mod:`dataflow.execution.slots`). The order is a depth-first post-order over the
functions in definition order (dependencies first, in parameter order), so a request's steps,
taken in this order, run each dependency close to its first reader, as a depth-first walk
from the outputs would.

>>> from dataflow.node import Dependency, Node, NodeRole
>>> nodes = {"b": Node("b", int, lambda a: a + 1, (Dependency("a", int),)),
...          "a": Node("a", int, lambda x: x, (Dependency("x", int),)),
...          "x": Node("x", int, role=NodeRole.INPUT)}
>>> index = index_of(nodes)
>>> index.names, index.deps
(['x', 'a', 'b'], [(), (0,), (1,)])
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import compress
from operator import attrgetter
from typing import Any

from dataflow.node import Node, NodeRole

NO_ARGS, ONE_POSITIONAL, POSITIONAL, KEYWORDS = range(4)
"""How a function node is called with its dependencies' values (:attr:`GraphIndex.kinds`)."""

FUNCTION_MARK, INPUT_MARK, CONFIG_MARK = 0, 4, 6
"""A position's mark in :attr:`GraphIndex.template`, by role; planning adds 1 once it is
needed (and uses 2 / 3 for provided values), so an even mark means "not needed yet"."""


@dataclass(frozen=True, slots=True, eq=False)
class GraphIndex:
    """Every node of a graph at a position of one topological order, with its dependencies,
    function and call kind by position. Read-only once made."""

    names: list[str]
    """Node names in run order: each after all it depends on."""
    position: dict[str, int]
    """Name → its position in :attr:`names`."""
    deps: list[tuple[int, ...]]
    """Per position, the positions of its dependencies, in parameter order."""
    fns: list[Callable[..., Any] | None]
    """Per position, the node's function (``None`` for inputs and config)."""
    kinds: bytes
    """Per position, how its function takes the dependencies' values: by position
    (:data:`ONE_POSITIONAL`, :data:`POSITIONAL`: a plain function whose first parameters are
    its dependencies in order), :data:`KEYWORDS`, or :data:`NO_ARGS`."""
    template: bytes
    """Per position, :data:`FUNCTION_MARK`, :data:`INPUT_MARK` or :data:`CONFIG_MARK`: the
    marks a plan starts from."""
    async_positions: tuple[int, ...]
    """Positions of ``async def`` nodes."""


_FUNCTION = types.FunctionType
_UNPOSITIONAL = 0x180  # CO_COROUTINE | CO_ITERABLE_COROUTINE: async nodes run in the loop only


def call_kind(node: Node) -> int:
    """How a function node is called: by position when its function is a plain ``def`` whose
    first parameters are exactly the node's dependencies, in order (then ``fn(a, b)`` binds
    what ``fn(a=a, b=b)`` binds)."""
    deps = node.dependencies
    count = len(deps)
    if not count:
        return NO_ARGS
    fn = node.fn
    if type(fn) is not _FUNCTION:
        return KEYWORDS
    code = fn.__code__  # type: ignore[attr-defined]
    if count > code.co_argcount or code.co_posonlyargcount or code.co_flags & _UNPOSITIONAL:
        return KEYWORDS
    names = code.co_varnames
    if count == 1:
        return ONE_POSITIONAL if names[0] == deps[0].name else KEYWORDS
    if names[:count] == tuple(map(_name, deps)):
        return POSITIONAL
    return KEYWORDS


def index_of(nodes: Mapping[str, Node]) -> GraphIndex | None:
    """The :class:`GraphIndex` of ``nodes`` (every dependency among them), or ``None`` when
    they form a cycle.

    A depth-first walk from each node in ``nodes``' order. A node whose dependencies are all
    placed is placed at once (most nodes of a module written top-down); otherwise one stack of
    names: a node met for the first time is opened and its dependencies not yet placed go
    above it (first parameter on top); met again, all of them are placed and it is placed
    after them. A dependency that is open but not placed is an ancestor of the node being
    opened: a cycle."""
    names: list[str] = []
    position: dict[str, int] = {}
    deps_of: list[tuple[int, ...]] = []
    placed: list[Node] = []
    opened: set[str] = set()
    for root, node in nodes.items():
        if root in position:
            continue
        deps = node.dependencies
        try:  # every dependency placed already: place it
            needs = ((position[deps[0].name],) if len(deps) == 1
                     else tuple([position[dep.name] for dep in deps]))
        except KeyError:
            pass
        else:
            position[root] = len(names)
            names.append(root)
            deps_of.append(needs)
            placed.append(node)
            continue
        stack = [root]
        while stack:
            name = stack[-1]
            if name in opened:  # second visit: its dependencies are placed
                stack.pop()
                if name in position:  # a copy pushed by a second consumer
                    continue
                node = nodes[name]
                position[name] = len(names)
                names.append(name)
                deps_of.append(tuple([position[dep.name] for dep in node.dependencies]))
                placed.append(node)
                continue
            opened.add(name)
            for dependency in reversed(nodes[name].dependencies):
                dep = dependency.name
                if dep not in position:
                    if dep in opened:
                        return None
                    stack.append(dep)
    function = NodeRole.FUNCTION
    marks = {function: FUNCTION_MARK, NodeRole.INPUT: INPUT_MARK, NodeRole.CONFIG: CONFIG_MARK}
    roles = list(map(_role, placed))
    return GraphIndex(
        names, position, deps_of, list(map(_fn, placed)),
        bytes([call_kind(node) if role is function else NO_ARGS
               for node, role in zip(placed, roles)]),
        bytes(map(marks.__getitem__, roles)),
        tuple(compress(range(len(placed)), map(_is_async, placed))))


_fn = attrgetter("fn")
_name = attrgetter("name")
_role = attrgetter("role")
_is_async = attrgetter("is_async")


__all__ = ["CONFIG_MARK", "FUNCTION_MARK", "INPUT_MARK", "KEYWORDS", "NO_ARGS",
           "ONE_POSITIONAL", "POSITIONAL", "GraphIndex", "call_kind", "index_of"]
