"""Chains of small functions around a node: ``pipe_input`` and ``pipe_output`` (the steps and
the chain machinery they share with ``mutate`` are in :mod:`dataflow.function_modifiers.steps`).

A :func:`~dataflow.function_modifiers.steps.step` names a function and how its extra parameters
are bound; the decorators turn a list of steps into a chain of nodes. Each step's *first*
parameter receives the previous value:

* ``@pipe_input(step(a), step(b))`` on ``def f(x)`` → ``x → f.with_a → f.with_b → f``.
* ``@pipe_output(step(a))`` on ``def f(...)`` → ``f.raw → f.with_a → f`` (``f`` keeps its name).
* ``@mutate(f, g)`` on ``def _a(v)`` → ``f`` and ``g`` are piped through ``_a`` without
  touching ``f`` or ``g``: the build stage hands the recorded instruction to their resolve.

>>> def _double(v: int) -> int:
...     return 2 * v
>>> @pipe_output(step(_double))
... def total(x: int) -> int:
...     return x + 1
>>> total(1)  # the function itself is unchanged
2
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.errors import did_you_mean
from dataflow.function_modifiers.binding import bind_parameters
from dataflow.function_modifiers.dependencies import UpstreamDependency
from dataflow.function_modifiers.steps import (
    Applicable,
    chain_steps,
    check_applicables,
    check_namespace,
    module_tag_of,
    pipe_node_output,
    step,
)
from dataflow.function_modifiers.targets import Target, select_targets
from dataflow.instructions import (
    DecoratorUsageError,
    InjectInstruction,
    ResolveContext,
    TransformInstruction,
    record,
)
from dataflow.node import Node, type_name
from dataflow.type_rules import edge_accepts

__all__ = ["Applicable", "SingleTargetError", "pipe", "pipe_input", "pipe_output", "step"]


class SingleTargetError(DecoratorUsageError):
    """``on_output`` was set both on ``@pipe_output`` and on one of its steps (Hamilton's
    name for this error)."""


# -- pipe_input ---------------------------------------------------------------------------------


class PipeInputInstruction(InjectInstruction):
    decorator_name = "pipe_input"

    def __init__(self, applicables: tuple[Applicable, ...], namespace: Any,
                 on_input: str | None, decorator_name: str = "pipe_input") -> None:
        self.decorator_name = decorator_name
        self.applicables = applicables
        self.namespace = namespace
        self.on_input = on_input

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        parameters = [p.name for p in context.signature.parameters]
        if not parameters:
            raise context.error(self, "the function has no parameter to pipe into; add one.")
        param = self.on_input or parameters[0]
        if param not in parameters:
            raise context.error(
                self, f"on_input={param!r} is not a parameter of the function; its parameters "
                f"are {', '.join(parameters)}.{did_you_mean(param, parameters)}")
        consumers = [n for n in nodes if any(d.name == param for d in n.dependencies)]
        if not consumers:
            raise context.error(
                self, f"no node of this function takes {param!r} any more (another decorator "
                "rebound it); apply @pipe_input to a parameter that is still a dependency.")
        namespace = context.name if self.namespace is ... else self.namespace
        start = next(d for d in consumers[0].dependencies if d.name == param)
        hint = start.type
        taken = {n.name for n in nodes}
        chain = chain_steps(self.applicables, start, namespace, context, self.decorator_name,
                            module_tag_of(context), taken)
        if not chain:
            return nodes
        last = chain[-1]
        if not edge_accepts(last.type, hint):
            raise context.error(
                self, f"the last step {last.name!r} returns {type_name(last.type)}, but "
                f"parameter {param!r} is annotated {type_name(hint)}. Make them agree.")
        rewired = [
            bind_parameters(n, {param: UpstreamDependency(last.name)}, context.config)
            if n in consumers else n
            for n in nodes
        ]
        return chain + rewired


class pipe_input:
    """Run the function's first parameter (or ``on_input``) through a chain of steps first.

    ``namespace``: ``...`` (default) names step nodes ``<function>.<step>``; ``None`` leaves
    them bare; a string uses that namespace.

    >>> def _add_one(v: int) -> int:
    ...     return v + 1
    >>> @pipe_input(step(_add_one))
    ... def result(x: int) -> int:
    ...     return x * 10
    """

    decorator_name = "pipe_input"

    def __init__(self, *transforms: Applicable, namespace: Any = ...,
                 on_input: str | None = None, collapse: bool = False,
                 _chain: bool = False) -> None:
        if collapse or _chain:
            raise NotImplementedError(
                f"@{self.decorator_name}: collapse/_chain are not supported (as in Hamilton).")
        if on_input is not None and not isinstance(on_input, str):
            raise NotImplementedError(
                f"@{self.decorator_name}: on_input takes one parameter name (a string); got "
                f"{on_input!r}.")
        self.applicables = check_applicables(transforms, self.decorator_name)
        check_namespace(namespace, self.applicables, self.decorator_name)
        self.namespace = namespace
        self.on_input = on_input

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return record(fn, PipeInputInstruction(self.applicables, self.namespace, self.on_input,
                                               self.decorator_name))


class pipe(pipe_input):
    """The older name of :class:`pipe_input` (Hamilton deprecated it; kept for ports)."""

    decorator_name = "pipe"


# -- pipe_output / mutate -----------------------------------------------------------------------


class PipeOutputInstruction(TransformInstruction):
    decorator_name = "pipe_output"

    def __init__(self, applicables: tuple[Applicable, ...], namespace: Any,
                 on_output: Target) -> None:
        self.applicables = applicables
        self.namespace = namespace
        self.on_output = on_output

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        targets = {n.name for n in select_targets(nodes, self.on_output, context,
                                                  self.decorator_name)}
        for applicable in self.applicables:
            if applicable.target is not None:
                select_targets(nodes, applicable.target, context, self.decorator_name)
        taken = {n.name for n in nodes}
        result: list[Node] = []
        for node in nodes:
            if node.name not in targets:
                result.append(node)
                continue
            mine = [a for a in self.applicables if _step_targets(a, node.name)]
            result.extend(pipe_node_output(self, context, node, mine, self.namespace, taken))
        return result


def _step_targets(applicable: Applicable, name: str) -> bool:
    target = applicable.target
    if target is None:
        return True
    return name == target if isinstance(target, str) else name in target


class pipe_output:
    """Run the function's output through a chain of steps; the last result keeps the name.

    ``f`` becomes ``f.raw → f.with_<step> → ... → f``. With several output nodes (after
    ``extract_columns``/``extract_fields``) it applies to each final node, or to
    ``on_output`` / a step's ``.on_output(...)`` only.
    """

    decorator_name = "pipe_output"

    def __init__(self, *transforms: Applicable, namespace: Any = ..., on_output: Target = None,
                 collapse: bool = False, _chain: bool = False) -> None:
        if collapse or _chain:
            raise NotImplementedError("@pipe_output: collapse/_chain are not supported.")
        if on_output is Ellipsis:
            raise DecoratorUsageError(
                "@pipe_output: on_output takes None, a node name or a list "
                "of names, not ....")
        self.applicables = check_applicables(transforms, self.decorator_name)
        if on_output is not None and any(a.target is not None for a in self.applicables):
            raise SingleTargetError("@pipe_output: set on_output on the decorator or on steps "
                                    "(.on_output(...)), not both.")
        check_namespace(namespace, self.applicables, self.decorator_name)
        self.namespace = namespace
        self.on_output = on_output

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return record(fn, PipeOutputInstruction(self.applicables, self.namespace, self.on_output))
