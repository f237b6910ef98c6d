"""The values a run starts from, and the checks of a request's inputs and overrides.

:func:`start_values` is a pure function of the plan and the request: the config values, inputs
and overrides the plan reads, by name, after checking the inputs' types against every step that
reads them. :func:`check_request_names` and :func:`inputs_naming_functions` run once per request
shape, when its plan is made.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dataflow.errors import (
    InputIgnoredWarning,
    InputTypeError,
    RequestError,
    caller_stacklevel,
    did_you_mean,
)
from dataflow.graph import Graph
from dataflow.node import NodeRole, qualified_type_name
from dataflow.plan import Plan, TypedInput
from dataflow.type_rules import value_matches


def start_values(plan: Plan, config: Mapping[str, Any], inputs: Mapping[str, Any],
                 overrides: Mapping[str, Any],
                 validators: Sequence[tuple[str, Callable[..., Any]]] = ()) -> dict[str, Any]:
    """The values ``plan`` reads, by name: config, then overrides before inputs, and ``None``
    for optional inputs requested but not given. Raises :class:`InputTypeError` listing every
    input whose value a step of the plan refuses and no ``validate_input`` of ``validators``
    (``(name, method)`` pairs, see :class:`~dataflow.execution.hooks.HookSet`) accepts."""
    values = {name: config[name] for name in plan.config_used} if plan.config_used else {}
    for name in plan.provided_used:
        values[name] = overrides[name] if name in overrides else inputs[name]
    for name in plan.absent_outputs:
        values[name] = None
    wrong: list[TypedInput] = []
    for typed in plan.typed_inputs:  # every execute: the common case is one comparison
        value = values[typed.name]
        if type(value) is not typed.type and not _accepts(typed, value):
            wrong.append(typed)
    if wrong and validators:
        wrong = [t for t in wrong if not any(
            method(node_type=t.type, input_value=values[t.name]) for _, method in validators)]
    if wrong:
        raise InputTypeError("Input(s) of the wrong type:\n"
                             + "\n".join(_describe_wrong(plan, t, values) for t in wrong))
    return values


def _accepts(typed: TypedInput, value: Any) -> bool:
    return value_matches(value, typed.type) or (value is None and typed.accepts_none)


def _describe_wrong(plan: Plan, typed: TypedInput, values: Mapping[str, Any]) -> str:
    nodes = {step.name: step.node for step in plan.steps}
    refusing = ", ".join(f"{c} ({nodes[c].where()})" for c in typed.consumers)
    got = values[typed.name]
    hint = (" Give the parameter a default of None (or annotate it Optional) to accept None."
            if got is None else "")
    return (f"  {typed.name}: expected {qualified_type_name(typed.type)}, got "
            f"{qualified_type_name(type(got))}; refused by {refusing}.{hint}")


def check_request_names(graph: Graph, inputs: Mapping[str, Any],
                        overrides: Mapping[str, Any]) -> None:
    """Refuse keys given both as config and as inputs, and overrides of no node."""
    clash = sorted(inputs.keys() & graph.config.keys())
    if clash:
        raise RequestError(
            f"Keys given both as config and as inputs: {clash}. A value comes from one "
            "place only: drop it from inputs, or build the driver without it in config."
        )
    unknown = [name for name in overrides if name not in graph.nodes]
    if unknown:
        lines = [f"  {name!r}.{did_you_mean(name, graph.nodes)}" for name in unknown]
        raise RequestError(
            "overrides name no node of the graph, so they would replace nothing:\n"
            + "\n".join(lines) + "\nlist_available_variables() lists every node."
        )


def inputs_naming_functions(graph: Graph, inputs: Mapping[str, Any],
                            overrides: Mapping[str, Any]) -> frozenset[str]:
    """Inputs named like a function node. As in Hamilton the function computes the node and
    the input is not used for it; a warning says so and points at ``overrides``."""
    nodes = graph.nodes
    shadowed = frozenset(
        name for name in inputs
        if name not in overrides and name in nodes and nodes[name].role is NodeRole.FUNCTION
    )
    for name in sorted(shadowed):
        warnings.warn(
            f"Input {name!r} is not used: the function {nodes[name].where()} computes "
            f"{name!r}. Pass the value in overrides={{{name!r}: ...}} to replace the node.",
            InputIgnoredWarning, stacklevel=caller_stacklevel())
    return shadowed
