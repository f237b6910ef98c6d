"""Stage 2, *resolve*: one function + config → its nodes, through its decorators.

Decorators never wrap the call. Each records an instruction on the function (see
:mod:`dataflow.instructions`), and :func:`nodes_from_function` applies the instructions in a
fixed order of phases, whatever order they were written in:

``RESOLVE`` (instructions chosen from config) → ``CHOOSE`` (config filters) → ``CREATE``
(the first nodes: by default one node read from the signature) → ``INJECT`` (bind parameters to
sources / values) → ``EXPAND`` (one node into many) → ``TRANSFORM`` (rewrite chosen nodes) →
``METADATA`` (tags, schemas).

Within a phase, instructions apply in the order the decorators were applied (innermost first).
Functions are read by :mod:`dataflow.signatures`, once. :func:`nodes_of_modules` resolves whole
modules, handing the instructions that functions recorded for other functions (``@mutate``) to
their targets.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from dataflow.collect import functions_of, remote_authors
from dataflow.errors import GraphBuildError, did_you_mean
from dataflow.instructions import (
    ChooseInstruction,
    CreateInstruction,
    Instruction,
    MissingConfigParametersException,
    NodesInstruction,
    Phase,
    ResolveContext,
    ResolveInstruction,
    instructions_of,
    remote_instructions_of,
)
from dataflow.marks import TEMPORARY_MARK
from dataflow.node import MODULE_TAG, Node, Origin
from dataflow.signatures import node_from_signature, plain_node, read_signature

CONFIG_TAG = "hamilton.config"
"""Set on the nodes of a function that config chose, to the config keys it read (as Hamilton
does; its pictures show them)."""

_LATER_PHASES = (Phase.INJECT, Phase.EXPAND, Phase.TRANSFORM, Phase.METADATA)


class Exclusion(NamedTuple):
    """A function a ``CHOOSE`` condition switched off: the node it would have defined, the
    function's own name, where it is, and the condition that was not met."""

    node: str
    function: str
    origin: Origin
    condition: str
    config_keys: tuple[str, ...] = ()


def base_name(fn: Callable[..., Any], instructions: Sequence[Instruction]) -> str:
    """The node name a function defines: its name, less a ``__suffix`` when config chooses it."""
    name: str = fn.__name__
    if "__" in name.strip("_") and any(isinstance(i, ChooseInstruction) for i in instructions):
        name = name.rsplit("__", 1)[0]
    return name


def active_instructions(
    fn: Callable[..., Any], config: Mapping[str, Any], context: ResolveContext,
    extra: Sequence[Instruction] = (),
) -> list[Instruction]:
    """The function's instructions with ``RESOLVE`` ones replaced by what they choose."""
    result: list[Instruction] = []
    for instruction in (*instructions_of(fn), *extra):
        _require_config(instruction, config, context)
        if isinstance(instruction, ResolveInstruction):
            chosen = list(instruction.instructions(context))
            for inner in chosen:
                _require_config(inner, config, context)
            result.extend(chosen)
        else:
            result.append(instruction)
    return result


def _require_config(
    instruction: Instruction, config: Mapping[str, Any], context: ResolveContext
) -> None:
    missing = [key for key in instruction.required_config() if key not in config]
    if missing:
        decorator = instruction.decorator_name
        raise MissingConfigParametersException(
            f"@{decorator} on {context.origin}: needs config key(s) "
            f"{', '.join(repr(k) for k in missing)}, which the driver's config does not have. "
            "Pass them with Builder().with_config({...}).")


def nodes_from_function(
    fn: Callable[..., Any], config: Mapping[str, Any], extra: Sequence[Instruction] = (),
    excluded: list[Exclusion] | None = None,
) -> list[Node]:
    """All nodes ``fn`` defines under ``config`` (``[]`` when a config filter excludes it; the
    exclusion is appended to ``excluded`` when given).

    ``extra`` holds instructions other functions recorded for ``fn`` (``@mutate``); they apply
    after ``fn``'s own instructions of the same phase."""
    if not extra and not instructions_of(fn):
        plain = plain_node(fn)
        if plain is not None:
            return [plain]
        return [node_from_signature(fn, read_signature(fn), fn.__name__)]
    context = ResolveContext(fn, config, fn.__name__)
    instructions = active_instructions(fn, config, context, extra)
    context.name = base_name(fn, instructions)
    choosers: list[ChooseInstruction] = []
    creators: list[CreateInstruction] = []
    later: dict[Phase, list[NodesInstruction]] = {}
    for instruction in instructions:
        if isinstance(instruction, ChooseInstruction):
            choosers.append(instruction)
        elif isinstance(instruction, CreateInstruction):
            creators.append(instruction)
        elif isinstance(instruction, NodesInstruction):
            later.setdefault(instruction.phase, []).append(instruction)
        else:
            raise context.error(instruction, f"{type(instruction).__name__} is not an "
                                             "instruction of a phase dataflow applies (subclass "
                                             "one of the bases in dataflow.instructions).")
    for chooser in choosers:
        if not chooser.is_active(context):
            if excluded is not None:
                excluded.append(Exclusion(context.name, fn.__name__, context.origin,
                                          chooser.describe(),
                                          tuple(chooser.config_keys() or ())))
            return []
    if len(creators) > 1:
        names = ", ".join(f"@{c.decorator_name}" for c in creators)
        raise GraphBuildError(
            f"{context.origin}: {names} each create the function's nodes; use only one of them."
        )
    nodes = creators[0].create(context) if creators else [context.default_node()]
    if choosers:
        nodes = _tag_config_keys(nodes, choosers)
    for phase in _LATER_PHASES:
        for applier in later.get(phase, ()):
            nodes = applier.apply(context, nodes)
    return nodes


def _tag_config_keys(nodes: list[Node], choosers: Sequence[ChooseInstruction]) -> list[Node]:
    keys: list[str] = []
    for chooser in choosers:
        for key in chooser.config_keys() or ("__UNKNOWN__",):
            if key not in keys:
                keys.append(key)
    value = ",".join(keys)
    return [n.with_tags(**{CONFIG_TAG: value}) for n in nodes]


def nodes_of_modules(
    modules: Sequence[types.ModuleType], config: Mapping[str, Any],
    excluded: list[Exclusion] | None = None,
) -> list[tuple[str, list[Node]]]:
    """Stages 1-2: the nodes of each module under ``config``, with the instructions that
    functions recorded for other functions (``@mutate``) handed to their targets. Functions
    config switched off are appended to ``excluded`` when given."""
    functions = [(module, functions_of(module)) for module in modules]
    remote = _remote_instructions(modules, functions, config)
    nodes_by_module = []
    for module, fns in functions:
        nodes: list[Node] = []
        temporary = hasattr(module, TEMPORARY_MARK)
        for fn in fns:
            made = nodes_from_function(fn, config, remote.get(id(fn), ()), excluded)
            nodes.extend(_tagged_with_module(made, fn, module.__name__) if temporary else made)
        nodes_by_module.append((module.__name__, nodes))
    return nodes_by_module


def _tagged_with_module(nodes: list[Node], fn: Callable[..., Any],
                        module_name: str) -> list[Node]:
    """Nodes of a function given to a temporary module carry that module's name as their
    ``module`` tag, as in Hamilton (which rewrites the function's ``__module__``; the function
    is left alone here). Only the tag taken from the function's own module changes: nodes of
    other modules (a ``@subdag``'s inner module, a step function's module) keep theirs."""
    own = getattr(fn, "__module__", None)
    return [node.with_tags(**{MODULE_TAG: module_name})
            if node.tags.get(MODULE_TAG) == own else node for node in nodes]


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

