"""Stages 1-3 together: modules + config → a validated :class:`~dataflow.graph.Graph`."""

from __future__ import annotations

import contextlib
import gc
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from dataflow.collect import functions_of, remote_authors
from dataflow.errors import did_you_mean
from dataflow.graph import Graph, build_graph
from dataflow.node import Node
from dataflow.resolve import (
    Instruction,
    ResolveContext,
    nodes_from_function,
    remote_instructions_of,
    shared_annotation_cache,
)


def graph_from_modules(
    modules: Sequence[types.ModuleType],
    config: Mapping[str, Any] | None = None,
    allow_module_overrides: bool = False,
) -> Graph:
    """Collect the functions of ``modules``, resolve them under ``config`` and build the graph.

    >>> from dataflow import ad_hoc_utils
    >>> def a() -> int: return 1
    >>> def b(a: int) -> int: return a + 1
    >>> sorted(graph_from_modules([ad_hoc_utils.create_temporary_module(a, b)]).nodes)
    ['a', 'b']
    """
    config = dict(config or {})
    for module in modules:
        if not isinstance(module, types.ModuleType):
            raise TypeError(
                f"Expected modules of functions, got {type(module).__name__} {module!r}. Use "
                "ad_hoc_utils.create_temporary_module(*functions) for loose functions."
            )
    with _collector_paused(), shared_annotation_cache():
        return build_graph(nodes_of_modules(modules, config), config, allow_module_overrides)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a build allocates its many small, long-lived
    objects: otherwise repeated full collections make a 10,000-node build markedly slower.
    Nothing a build creates is cyclic garbage, so no memory is held back."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def nodes_of_modules(
    modules: Sequence[types.ModuleType], config: Mapping[str, Any]
) -> list[tuple[str, list[Node]]]:
    """Stages 1-2: the nodes of each module under ``config``, with the instructions that
    functions recorded for other functions (``@mutate``) handed to their targets."""
    functions = [(module, functions_of(module)) for module in modules]
    remote = _remote_instructions(modules, functions, config)
    nodes_by_module = []
    for module, fns in functions:
        nodes: list[Node] = []
        for fn in fns:
            nodes.extend(nodes_from_function(fn, config, remote.get(id(fn), ())))
        nodes_by_module.append((module.__name__, nodes))
    return nodes_by_module


def _remote_instructions(
    modules: Sequence[types.ModuleType],
    functions: Sequence[tuple[types.ModuleType, list[Callable[..., Any]]]],
    config: Mapping[str, Any],
) -> dict[int, list[Instruction]]:
    """``id(target function) -> instructions`` recorded for it, in module then definition order."""
    authors = [author for module in modules for author in remote_authors(module)]
    if not authors:
        return {}
    candidates = [fn for _, fns in functions for fn in fns]
    by_identity = {id(fn) for fn in candidates}
    by_name: dict[str, list[Callable[..., Any]]] = {}
    for fn in candidates:
        by_name.setdefault(fn.__name__, []).append(fn)
        if "__" in fn.__name__.strip("_"):
            by_name.setdefault(fn.__name__.rsplit("__", 1)[0], []).append(fn)
    found: dict[int, list[Instruction]] = {}
    for author in authors:
        for target, instruction in remote_instructions_of(author):
            if callable(target) and id(target) in by_identity:
                targets = [target]
            else:
                name = target if isinstance(target, str) else getattr(target, "__name__", "")
                targets = [fn for fn in by_name.get(name, ())
                           if isinstance(target, str) or fn.__module__ == target.__module__]
            if not targets:
                raise _missing_target(author, target, instruction, modules, by_name, config)
            for fn in targets:
                found.setdefault(id(fn), []).append(instruction)
    return found


def _missing_target(
    author: Callable[..., Any], target: Any, instruction: Instruction,
    modules: Sequence[types.ModuleType], by_name: Mapping[str, Any], config: Mapping[str, Any],
) -> Exception:
    name = target if isinstance(target, str) else getattr(target, "__qualname__", repr(target))
    where = "" if isinstance(target, str) else f" (defined in module {target.__module__})"
    return ResolveContext(author, config, author.__name__).error(
        instruction,
        f"target function {name!r}{where} is not a node-defining function of the driver's "
        f"modules ({', '.join(m.__name__ for m in modules)}).{did_you_mean(str(name), by_name)}"
        " Pass the module that defines it to Builder().with_modules(...), or fix the target.",
    )
