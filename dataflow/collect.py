"""Stage 1, *collect*: modules → the functions that define nodes.

A function defines nodes when it is public (no leading underscore), was defined in the module
being collected (or one of its submodules) rather than imported into it, and is not marked with
``dataflow_exclude``. A decorated copy of a function from elsewhere (``b =
parameterize(...)(other.a)``) belongs to the module that made it. Definition order is kept, so
graphs and pictures follow the source. A public lambda is refused: it has no name to give a node.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterable
from typing import Any

from dataflow.errors import InvalidFunctionError
from dataflow.marks import (
    COPY_OF_ATTRIBUTE,
    EXCLUDE_ATTRIBUTE,
    REMOTE_ATTRIBUTE,
    REMOTE_AUTHORS_ATTRIBUTE,
    TEMPORARY_MARK,
)

__all__ = ["EXCLUDE_ATTRIBUTE", "defines_nodes", "functions_of", "functions_of_modules",
           "remote_authors"]

_LAMBDA = "<lambda>"


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
        found = [fn for fn in temporary if defines_nodes(fn.__module__, fn.__name__, fn)]
        for fn in found:
            if fn.__name__ == _LAMBDA:
                raise _lambda_error(module, fn.__name__, fn)
        return found
    seen: set[int] = set()
    found = []
    for attribute, candidate in vars(module).items():
        if defines_nodes(name, attribute, candidate) and id(candidate) not in seen:
            if attribute != candidate.__name__:
                _check_renamed(module, attribute, candidate)
            seen.add(id(candidate))
            found.append(candidate)
    return found


def _check_renamed(module: types.ModuleType, attribute: str, fn: Any) -> None:
    """A function bound under another name than its own: refuse a lambda; let a decorated copy
    made in this module pickle under the name that binds it."""
    if fn.__name__ == _LAMBDA:
        raise _lambda_error(module, attribute, fn)
    if COPY_OF_ATTRIBUTE in fn.__dict__ and vars(module).get(fn.__qualname__) is not fn:
        fn.__qualname__ = attribute  # our own copy (see dataflow.instructions.own_function)


def _lambda_error(module: types.ModuleType, attribute: str, fn: Any) -> InvalidFunctionError:
    code = fn.__code__
    return InvalidFunctionError(
        f"{module.__name__}.{attribute} ({code.co_filename}:{code.co_firstlineno}) is a lambda; "
        f"a lambda cannot define a node (it has no name or annotations). Write it as a def: "
        f"`def {attribute if attribute.isidentifier() else 'name'}(param: T) -> R: ...`, or "
        "name it with a leading underscore if it is a helper.")


def functions_of_modules(
    modules: Iterable[types.ModuleType],
) -> list[tuple[types.ModuleType, list[Callable[..., Any]]]]:
    """``(module, functions)`` pairs, one per module, in the order given."""
    return [(module, functions_of(module)) for module in modules]


def remote_authors(module: types.ModuleType) -> list[Callable[..., Any]]:
    """Functions of ``module`` (private ones included) that recorded instructions for other
    functions (``@mutate``), in definition order. Functions imported into ``module`` are skipped,
    so a mutator counts once, in the module that defines it.

    A mutator replaced by a later ``def`` of the same name in the same file still counts, as in
    Hamilton; one replaced by running the same definition again (a notebook cell re-run) does
    not, and neither do those of a module's run before ``importlib.reload``.
    """
    temporary = getattr(module, TEMPORARY_MARK, None)
    if temporary is not None:
        return [fn for fn in temporary if REMOTE_ATTRIBUTE in getattr(fn, "__dict__", {})]
    name = module.__name__
    namespace = vars(module)
    found: list[Callable[..., Any]] = []
    seen: set[int] = set()
    listed = namespace.get(REMOTE_AUTHORS_ATTRIBUTE)
    if listed is not None and listed[0] is namespace.get("__spec__"):
        for author in listed[1]:
            if (author.__module__ or "") == name and _still_defined(author, namespace) \
                    and id(author) not in seen:
                seen.add(id(author))
                found.append(author)
    for candidate in namespace.values():
        if (inspect.isfunction(candidate) and REMOTE_ATTRIBUTE in candidate.__dict__
                and (candidate.__module__ or "") == name and id(candidate) not in seen):
            seen.add(id(candidate))
            found.append(candidate)
    return found


def _still_defined(author: Any, namespace: dict[str, Any]) -> bool:
    """True unless ``author`` was replaced by running its own definition again."""
    bound = namespace.get(author.__name__)
    if bound is author or bound is None:
        return True
    replacing = getattr(bound, "__code__", None)
    code = author.__code__
    return (replacing is not None and replacing.co_filename == code.co_filename
            and replacing.co_firstlineno > code.co_firstlineno)
