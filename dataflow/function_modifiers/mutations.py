"""``@mutate``: pipe the outputs of *other* functions through the decorated one.

The decorated function (the mutator) records one :class:`MutateInstruction` per target with
:func:`~dataflow.instructions.record_remote`; the target function object is never touched. The
resolve stage (:func:`dataflow.resolve.nodes_of_modules`) finds mutators in the driver's
modules (a mutator replaced by a later ``def`` of the same name included, as in Hamilton) and
hands each instruction to its target's resolve, where it works like ``pipe_output``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from dataflow.errors import DecoratorError
from dataflow.function_modifiers.steps import Applicable, pipe_node_output
from dataflow.function_modifiers.targets import select_targets
from dataflow.instructions import (
    DecoratorUsageError,
    Instruction,
    ResolveContext,
    TransformInstruction,
    own_function,
    record_remote,
)
from dataflow.marks import EXCLUDE_ATTRIBUTE
from dataflow.node import Node, origin_of

__all__ = ["apply_to", "mutate"]


def apply_to(fn_: Callable[..., Any] | str, **mutating_fn_kwargs: Any) -> Applicable:
    """For :class:`mutate`: the target function ``fn_`` with its own arguments for the mutator
    (they replace the ``mutate(...)``-level ones). Supports ``.when``/``.named``/``.on_output``."""
    if not (callable(fn_) or isinstance(fn_, str)):
        raise DecoratorUsageError(
            f"apply_to() takes the target function (or its name); got {fn_!r}")
    return Applicable(None, (), tuple(mutating_fn_kwargs.items()), target_fn=fn_)


class MutateInstruction(TransformInstruction):
    """What ``@mutate`` records for one target function: pipe its output(s) through the
    mutator. Applied by the *target's* resolve (see :func:`dataflow.resolve.nodes_of_modules`)."""

    decorator_name = "mutate"

    def __init__(self, applicable: Applicable, mutator: Callable[..., Any]) -> None:
        self.applicable = applicable
        self.mutator = mutator

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        mutator_context = _MutatorContext(context, self.mutator)
        targets = {n.name for n in select_targets(nodes, self.applicable.target,
                                                  mutator_context, self.decorator_name)}
        taken = {n.name for n in nodes}
        result: list[Node] = []
        for node in nodes:
            if node.name in targets:
                result.extend(pipe_node_output(self, mutator_context, node, [self.applicable],
                                               ..., taken))
            else:
                result.append(node)
        return result


class _MutatorContext(ResolveContext):
    """The target's resolve context, but errors name the mutator (the decorated function)."""

    def __init__(self, context: ResolveContext, mutator: Callable[..., Any]) -> None:
        super().__init__(context.fn, context.config, context.name, context._signature)
        self._mutator = mutator

    def error(self, instruction: Instruction | str, message: str) -> DecoratorError:
        decorator = instruction if isinstance(instruction, str) else instruction.decorator_name
        return DecoratorError(f"@{decorator} on {origin_of(self._mutator)} (mutating "
                              f"{self.origin}): {message}")


class mutate:
    """Pipe the outputs of *other* functions through the decorated function, without touching
    them. The decorated function's first parameter receives the target's value.

    Targets are functions (any module given to the driver) or their names, optionally wrapped
    in :func:`apply_to` for per-target arguments, ``.when(...)``, ``.named(...)`` or
    ``.on_output(...)``. Mutators apply in module order, then definition order. The decorated
    function itself defines no node (name it with a leading underscore, as Hamilton suggests).
    """

    decorator_name = "mutate"

    def __init__(self, *target_functions: Callable[..., Any] | str | Applicable,
                 collapse: bool = False, _chain: bool = False,
                 **mutating_function_kwargs: Any) -> None:
        if collapse or _chain:
            raise NotImplementedError("@mutate: collapse/_chain are not supported.")
        if not target_functions:
            raise DecoratorUsageError(
                "@mutate needs at least one target function: @mutate(my_function).")
        targets = []
        for target in target_functions:
            if isinstance(target, Applicable):
                if target.target_fn is None:
                    raise DecoratorUsageError(
                        "@mutate takes target functions or apply_to(fn, ...); got a step(...) "
                        f"for {getattr(target.fn, '__name__', '?')}.")
                targets.append(target)
            elif callable(target) or isinstance(target, str):
                targets.append(apply_to(target))
            else:
                raise DecoratorUsageError(
                    f"@mutate takes target functions (or their names); got {target!r}")
        self.targets = tuple(targets)
        self.kwargs = tuple(mutating_function_kwargs.items())

    def __call__(self, mutating_fn: Callable[..., Any]) -> Callable[..., Any]:
        mutating_fn = own_function(mutating_fn)
        for target in self.targets:
            applicable = replace(target, fn=mutating_fn,
                                 kwargs=target.kwargs or self.kwargs, target_fn=None)
            assert target.target_fn is not None
            mutating_fn = record_remote(mutating_fn, target.target_fn,
                                        MutateInstruction(applicable, mutating_fn))
        setattr(mutating_fn, EXCLUDE_ATTRIBUTE, True)
        return mutating_fn

