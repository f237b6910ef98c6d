"""``@does``: the decorated function declares a node (name, parameters, types, doc) and
another function computes it.

>>> def _total(**values: int) -> int:
...     return sum(values.values())
>>> @does(_total)
... def budget(marketing: int, sales: int) -> int:
...     '''Marketing plus sales.'''
"""

from __future__ import annotations

import dis
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dataflow.instructions import CreateInstruction, DecoratorUsageError, ResolveContext, record
from dataflow.node import DECORATOR_TAG, Node

__all__ = ["does"]


@dataclass(frozen=True, slots=True)
class DoesCall:
    """Calls ``replacing`` with the decorated function's arguments, ``renamed`` as
    ``(decorated parameter, replacing parameter)`` pairs; ``defaults`` are the decorated
    function's defaults, used when no node supplies the parameter. Top-level so nodes pickle."""

    replacing: Callable[..., Any]
    renamed: tuple[tuple[str, str], ...] = ()
    defaults: tuple[tuple[str, Any], ...] = ()

    def __call__(self, **kwargs: Any) -> Any:
        for name, default in self.defaults:
            kwargs.setdefault(name, default)
        for decorated, replacing in self.renamed:
            if decorated in kwargs:
                kwargs[replacing] = kwargs.pop(decorated)
        return self.replacing(**kwargs)

    @property
    def __wrapped__(self) -> Callable[..., Any]:
        return self.replacing


def body_is_empty(fn: Callable[..., Any]) -> bool:
    """True when ``fn``'s body holds only a docstring, ``pass`` or ``...``.

    Read from the bytecode, so no source file is needed (functions built with ``exec`` work
    too): the body compiles to the same instructions as a function of the same kind (plain,
    ``async``, generator) compiled here with an empty body. Comparing with a reference compiled
    by the running interpreter keeps this true on every Python version, whatever bytecode each
    one emits for an empty body."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return True
    reference = _empty_body(code.co_flags & _KIND_FLAGS)
    return reference is not None and _instructions(code) == reference


_KIND_FLAGS = inspect.CO_COROUTINE | inspect.CO_GENERATOR | inspect.CO_ASYNC_GENERATOR
# Instructions that only set up a frame (cells for closures, free variables) and differ with the
# function's parameters and closure, not with its body.
_SETUP = frozenset({"MAKE_CELL", "COPY_FREE_VARS", "NOP", "CACHE"})


def _instructions(code: Any) -> list[tuple[str, Any]]:
    return [(i.opname, None if i.opname == "RESUME" else i.argval)
            for i in dis.get_instructions(code) if i.opname not in _SETUP]


@functools.cache
def _empty_body(kind: int) -> list[tuple[str, Any]] | None:
    """The instructions of an empty-bodied function of ``kind`` (its ``co_flags`` kind bits);
    ``None`` for generators, whose body holds a ``yield`` and so is never empty."""
    if kind & (inspect.CO_GENERATOR | inspect.CO_ASYNC_GENERATOR):
        return None
    header = "async def" if kind & inspect.CO_COROUTINE else "def"
    namespace: dict[str, Any] = {}
    exec(compile(f"{header} empty():\n    pass\n", "<empty body>", "exec"), namespace)
    return _instructions(namespace["empty"].__code__)


class DoesInstruction(CreateInstruction):
    """``CREATE``: the function's node, computed by ``replacing``."""

    decorator_name = "does"

    def __init__(self, replacing: Callable[..., Any], mapping: tuple[tuple[str, str], ...]) -> None:
        self.replacing = replacing
        self.mapping = mapping  # (replacing parameter, decorated parameter)

    def create(self, context: ResolveContext) -> list[Node]:
        if not body_is_empty(context.fn):
            raise context.error(self, "the decorated function must have an empty body (only a "
                                      "docstring, `pass` or `...`): its body would never run, "
                                      f"{getattr(self.replacing, '__name__', self.replacing)} "
                                      "computes the node. Move the code into the replacing "
                                      "function or drop @does.")
        node = context.default_node()
        decorated = [d.name for d in node.dependencies]
        target = inspect.signature(self.replacing).parameters
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in target.values())
        replacing_name = getattr(self.replacing, "__name__", repr(self.replacing))
        renamed: dict[str, str] = {}
        for replacing_param, decorated_param in self.mapping:
            if decorated_param not in decorated:
                raise context.error(self, f"{replacing_param}={decorated_param!r} names no "
                                          f"parameter of the decorated function (it has "
                                          f"{decorated}).")
            if replacing_param not in target and not takes_any:
                raise context.error(self, f"{replacing_name} has no parameter "
                                          f"{replacing_param!r} (it has {list(target)}).")
            renamed[decorated_param] = replacing_param
        passed = {renamed.get(name, name) for name in decorated}
        if not takes_any:
            unknown = sorted(passed - set(target))
            if unknown:
                raise context.error(self, f"{replacing_name} does not accept {unknown}, which "
                                          "the decorated function's parameters would pass. Map "
                                          "them with @does(fn, replacing_param='decorated_param') "
                                          "or give the replacing function **kwargs.")
        missing = [p.name for p in target.values()
                   if p.default is inspect.Parameter.empty and p.name not in passed
                   and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                  inspect.Parameter.KEYWORD_ONLY)]
        if missing:
            raise context.error(self, f"{replacing_name} needs {missing}, which no parameter of "
                                      "the decorated function supplies. Add them as parameters "
                                      "or map them: @does(fn, param='decorated_param').")
        defaults = tuple((p.name, p.default) for p in context.signature.parameters
                         if p.default is not inspect.Parameter.empty)
        call = DoesCall(self.replacing, tuple(renamed.items()), defaults)
        return [node.with_changes(fn=call, is_async=inspect.iscoroutinefunction(self.replacing),
                                  tags={**node.tags, DECORATOR_TAG: "does"})]


class does:
    """Compute the decorated function's node with ``replacing_function``.

    The decorated function keeps its name, parameters, types and docstring; its body must be
    empty. Its arguments are passed to ``replacing_function`` by name;
    ``argument_mapping`` renames them (``replacing parameter='decorated parameter'``).
    """

    def __init__(self, replacing_function: Callable[..., Any], **argument_mapping: str) -> None:
        if not callable(replacing_function):
            raise DecoratorUsageError(
                f"@does takes the function that computes the node; got {replacing_function!r}")
        for key, target in argument_mapping.items():
            if not isinstance(target, str):
                raise DecoratorUsageError(
                    f"@does: {key}= must name a parameter of the decorated function (a str); got "
                    f"{target!r}")
        self.replacing = replacing_function
        self.mapping = tuple(argument_mapping.items())

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise DecoratorUsageError(
                f"@does decorates a function; got {fn!r}")
        return record(fn, DoesInstruction(self.replacing, self.mapping))
