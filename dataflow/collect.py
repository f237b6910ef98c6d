"""Stage 1, *collect*: modules → the functions that define nodes.

A function defines nodes when it is public (no leading underscore), was defined in the module
being collected (or one of its submodules) rather than imported into it, and is not marked with
``dataflow_exclude``. Definition order is kept, so graphs and pictures follow the source.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterable
from typing import Any

from dataflow.ad_hoc_utils import TEMPORARY_MARK
from dataflow.resolve import REMOTE_ATTRIBUTE

EXCLUDE_ATTRIBUTE = "__dataflow_exclude__"


def defines_nodes(module_name: str, attribute: str, candidate: Any) -> bool:
    """True when ``candidate`` (bound to ``attribute`` in module ``module_name``) defines nodes."""
    if attribute.startswith("_") or not inspect.isfunction(candidate):
        return False
    if candidate.__name__.startswith("_") or getattr(candidate, EXCLUDE_ATTRIBUTE, False):
        return False
    home = candidate.__module__ or ""
    return home == module_name or home.startswith(module_name + ".")


def functions_of(module: types.ModuleType) -> list[Callable[..., Any]]:
    """The node-defining functions of ``module``, in definition order.

    >>> import examples.hello_features as m  # doctest: +SKIP
    >>> [f.__name__ for f in functions_of(m)]  # doctest: +SKIP
    ['spend_per_signup', ...]
    """
    name = module.__name__
    temporary = getattr(module, TEMPORARY_MARK, None)
    if temporary is not None:  # ad-hoc modules own the functions they were given
        return [fn for fn in temporary if defines_nodes(fn.__module__, fn.__name__, fn)]
    seen: set[int] = set()
    found = []
    for attribute, candidate in vars(module).items():
        if defines_nodes(name, attribute, candidate) and id(candidate) not in seen:
            seen.add(id(candidate))
            found.append(candidate)
    return found


def functions_of_modules(
    modules: Iterable[types.ModuleType],
) -> list[tuple[types.ModuleType, list[Callable[..., Any]]]]:
    """``(module, functions)`` pairs, one per module, in the order given."""
    return [(module, functions_of(module)) for module in modules]


def remote_authors(module: types.ModuleType) -> list[Callable[..., Any]]:
    """Functions of ``module`` (private ones included) that recorded instructions for other
    functions (``@mutate``), in definition order. Functions imported into ``module`` are skipped,
    so a mutator counts once, in the module that defines it."""
    temporary = getattr(module, TEMPORARY_MARK, None)
    if temporary is not None:
        return [fn for fn in temporary if REMOTE_ATTRIBUTE in getattr(fn, "__dict__", {})]
    name = module.__name__
    found: list[Callable[..., Any]] = []
    seen: set[int] = set()
    for candidate in vars(module).values():
        if (inspect.isfunction(candidate) and REMOTE_ATTRIBUTE in candidate.__dict__
                and (candidate.__module__ or "") == name and id(candidate) not in seen):
            seen.add(id(candidate))
            found.append(candidate)
    return found
