"""Stage 4, *plan*: (graph, requested outputs, provided names) → the ordered steps to run.

A plan covers the minimal subgraph only: the upstream closure of the requested outputs, cut
at every provided value (input or override). For every value it records the step after which no
later step needs it, so the runner can free intermediates at once. Plans depend only on the
*names* requested and provided, never on values, so drivers cache them per request shape.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from dataflow.errors import MissingInputsError, UnknownOutputError, close_names, did_you_mean
from dataflow.graph import Graph
from dataflow.node import Node, NodeRole, qualified_type_name, slot_setters


@dataclass(frozen=True, slots=True)
class Step:
    """Call ``node.fn`` with the values named ``args``, store the result under ``node.name``,
    then drop the values named ``release``."""

    node: Node
    args: tuple[str, ...]
    release: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def fn(self) -> Callable[..., Any]:
        assert self.node.fn is not None
        return self.node.fn


@dataclass(frozen=True, slots=True)
class TypedInput:
    """A provided input and one type that steps of the plan require of it: its value is checked
    against every such type before the run (never against consumers the request skips)."""

    name: str
    type: Any
    consumers: tuple[str, ...]
    """The plan's steps whose parameter ``name`` is annotated ``type``."""
    accepts_none: bool
    """Every one of those parameters has a default, so ``None`` is accepted too."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """What a runner that runs a plan's steps out of order needs (threads, processes, remote
    workers finish in any order): a step may start once the steps it waits for have finished,
    and a value is dead once as many steps as read it have finished.

    The in-order loops use :attr:`Step.release` instead, so a plan works this out only when
    asked (:attr:`Plan.schedule`), once."""

    waits_for: tuple[tuple[str, ...], ...]
    """Per step (by position in :attr:`Plan.steps`): the steps whose results it reads."""
    consumers: tuple[int, ...]
    """Per step: how many steps of the plan read its result (0 for an output nobody reads)."""
    leaf_consumers: tuple[tuple[str, int], ...]
    """(name, how many steps read it) for each value the plan reads but does not compute
    (inputs, overrides, config)."""


def schedule_of(steps: Sequence[Step]) -> Schedule:
    """The :class:`Schedule` of ``steps`` (in a valid run order)."""
    computed = {step.name for step in steps}
    readers = Counter(arg for step in steps for arg in step.args)
    leaves = {name: count for name, count in readers.items() if name not in computed}
    return Schedule(
        waits_for=tuple(
            step.args if leaves.keys().isdisjoint(step.args)
            else tuple([a for a in step.args if a not in leaves])
            for step in steps),
        consumers=tuple(readers.get(step.name, 0) for step in steps),
        leaf_consumers=tuple(leaves.items()),
    )


@dataclass(frozen=True, slots=True)
class Plan:
    """An ordered list of steps over the minimal subgraph for one request shape."""

    outputs: tuple[str, ...]
    steps: tuple[Step, ...]
    provided_used: tuple[str, ...]
    """Provided names (inputs and overrides) that the plan reads."""
    config_used: tuple[str, ...]
    """Config nodes the plan reads."""
    typed_inputs: tuple[TypedInput, ...]
    has_async: bool
    absent_outputs: tuple[str, ...] = ()
    """Requested inputs that nobody provided and no step needs: their value is ``None``
    (Hamilton's behaviour for an optional input requested as an output)."""

    _schedule: list[Schedule] = field(default_factory=list, repr=False, compare=False)
    """Holds :attr:`schedule` once computed (a frozen plan caches it here)."""

    @property
    def node_names(self) -> list[str]:
        return [step.name for step in self.steps]

    @property
    def schedule(self) -> Schedule:
        """Per step, what it waits for and how many steps read it: what an out-of-order runner
        needs to start each step in time and free each value after its last reader. Computed
        on first use and kept with the plan (so with the driver's plan cache)."""
        if not self._schedule:
            self._schedule.append(schedule_of(self.steps))
        return self._schedule[0]


def plan_for(graph: Graph, outputs: Sequence[str], provided: Collection[str],
             unchecked: Collection[str] = ()) -> Plan:
    """The plan computing ``outputs`` when the values named in ``provided`` are given.

    Provided inputs are type-checked against the steps that read them, except those named in
    ``unchecked`` (overrides: as in Hamilton, an override is taken as given).

    An output may also name a provided value that no node reads (it is passed through). Raises
    :class:`UnknownOutputError` for an output nothing defines and :class:`MissingInputsError`,
    listing every missing input at once, when required external inputs are not in ``provided``.
    """
    _check_outputs_exist(graph, outputs, provided)
    with without_collection():
        return _plan(graph, outputs, provided, unchecked)


@contextmanager
def without_collection() -> Iterator[None]:
    """No cyclic garbage collection inside: for code that makes many objects and no reference
    cycles (planning). Each collection pass the allocations would trigger walks every object
    of the process (a 100,000-node graph is over 700,000), and none could free anything."""
    collecting = gc.isenabled()
    if collecting:
        gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _plan(graph: Graph, outputs: Sequence[str], provided: Collection[str],
          unchecked: Collection[str]) -> Plan:
    order, args_of, missing = _walk(graph, outputs, provided)
    absent = _absent_outputs(graph, outputs, missing)
    if missing:
        raise MissingInputsError(_describe_missing(graph, missing, provided),
                                 {name: list(needers) for name, needers in missing.items()})
    steps = _steps_with_releases(graph, order, args_of, set(outputs))
    reads = _reads(graph, outputs, args_of)
    provided_used = [n for n in reads if n in provided]
    config_used = [
        n for n in reads
        if n not in provided and n not in absent and graph.nodes[n].role is NodeRole.CONFIG
    ]
    return Plan(
        outputs=tuple(outputs),
        steps=tuple(steps),
        provided_used=tuple(provided_used),
        config_used=tuple(config_used),
        typed_inputs=_typed_inputs(graph, steps, set(provided).difference(unchecked)),
        has_async=any(step.node.is_async for step in steps),
        absent_outputs=tuple(absent),
    )


def _absent_outputs(graph: Graph, outputs: Sequence[str],
                    missing: dict[str, list[str]]) -> list[str]:
    """Requested inputs that were not provided, are needed by no step, and are optional for
    every function of the graph that reads them: they are taken out of ``missing`` and come
    back as ``None`` (Hamilton's answer). An input some function requires stays missing."""
    absent = []
    for name in outputs:
        if missing.get(name) == [REQUESTED] and _optional_everywhere(graph, name):
            del missing[name]
            absent.append(name)
    return absent


def _optional_everywhere(graph: Graph, name: str) -> bool:
    readers = [dep for consumer in graph.dependents[name]
               for dep in graph.nodes[consumer].dependencies if dep.name == name]
    return bool(readers) and all(dep.optional for dep in readers)


def _typed_inputs(graph: Graph, steps: Sequence[Step],
                  provided: Collection[str]) -> tuple[TypedInput, ...]:
    """One :class:`TypedInput` per provided input and distinct required type among the steps."""
    nodes = graph.nodes
    found: dict[tuple[str, Any], tuple[list[str], list[bool]]] = {}
    for step in steps:
        args = step.args
        for dep in step.node.dependencies:
            name = dep.name
            if name in provided and name in args and nodes[name].role is NodeRole.INPUT:
                try:
                    consumers, optional = found.setdefault((name, dep.type), ([], []))
                except TypeError:  # an unhashable annotation: its own entry
                    consumers, optional = found.setdefault((name, id(dep.type)), ([], []))
                consumers.append(step.name)
                optional.append(dep.optional)
    typed = []
    for (name, _), (consumers, optional) in found.items():
        annotation = next(d.type for d in nodes[consumers[0]].dependencies if d.name == name)
        typed.append(TypedInput(name, annotation, tuple(consumers), all(optional)))
    return tuple(typed)


REQUESTED = "(requested output)"


def _check_outputs_exist(graph: Graph, outputs: Iterable[str], provided: Collection[str]) -> None:
    unknown = [name for name in outputs if name not in graph.nodes and name not in provided]
    if unknown:
        lines = [f"  {_describe_unknown(graph, name)}" for name in unknown]
        raise UnknownOutputError(
            "Requested output(s) not defined by any function or input:\n" + "\n".join(lines)
            + "\nlist_available_variables() lists every node."
        )


def _describe_unknown(graph: Graph, name: str) -> str:
    """Why ``name`` is not a node: config switched off the functions that define it, or a typo."""
    switched_off = [e for e in graph.excluded if e.node == name or e.function == name]
    if not switched_off:
        return f"{name!r}.{did_you_mean(name, graph.nodes)}"
    forms = " and ".join(f"{e.function!r} ({e.origin.location}, {e.condition})"
                         for e in switched_off)
    keys = sorted({key for e in switched_off for key in e.config_keys}
                  or {key for e in switched_off for key in graph.config if key in e.condition})
    configured = ", ".join(
        f"{k}={graph.config[k]!r}" if k in graph.config else f"{k} not set" for k in keys
    ) or "as given"
    return (f"{name!r} is defined by {forms}, but config ({configured}) selects none of them. "
            "Change the config, or request another output.")


def _walk(
    graph: Graph, outputs: Sequence[str], provided: Collection[str]
) -> tuple[list[str], dict[str, tuple[str, ...]], dict[str, list[str]]]:
    """Post-order walk of the needed subgraph: (function nodes in run order, the arguments of
    each, missing inputs → the nodes that need them).

    One stack of names: a function node seen for the first time gets its arguments and its
    not yet walked function arguments pushed above it (first argument on top); seen again, its
    arguments are done and it joins the order. A plan of 100,000 steps walks every node, so
    the loop allocates only the argument tuples."""
    nodes = graph.nodes
    function_role = NodeRole.FUNCTION
    input_role = NodeRole.INPUT
    order: list[str] = []
    args_of: dict[str, tuple[str, ...]] = {}
    missing: dict[str, list[str]] = {}
    placed: set[str] = set()
    leaves: set[str] = set()
    for output in outputs:
        if output in args_of or output in leaves:
            continue
        if output in provided or nodes[output].role is not function_role:
            leaves.add(output)
            if output not in provided and nodes[output].role is input_role:
                missing.setdefault(output, []).append(REQUESTED)
            continue
        stack = [output]
        while stack:
            name = stack[-1]
            if name in args_of:  # its arguments are walked (or it is a second copy)
                stack.pop()
                if name not in placed:
                    placed.add(name)
                    order.append(name)
                continue
            node = nodes[name]
            args = args_of[name] = _arguments(node, nodes, provided, missing)
            if len(args) == 1:  # most nodes: no list to reverse
                dep = args[0]
                if dep not in args_of and dep not in leaves:
                    if dep in provided or nodes[dep].role is not function_role:
                        leaves.add(dep)
                    else:
                        stack.append(dep)
                continue
            for dep in reversed(args):
                if dep in args_of or dep in leaves:
                    continue
                if dep in provided or nodes[dep].role is not function_role:
                    leaves.add(dep)
                else:
                    stack.append(dep)
    return order, args_of, missing


_INPUT = NodeRole.INPUT


def _arguments(
    node: Node, nodes: Mapping[str, Node], provided: Collection[str],
    missing: dict[str, list[str]],
) -> tuple[str, ...]:
    """The node's present arguments; required inputs nobody provides go into ``missing``."""
    args = []
    for dep in node.dependencies:
        name = dep.name
        if name in provided:
            args.append(name)
        elif nodes[name].role is _INPUT:
            if not dep.optional:
                args.append(name)
                missing.setdefault(name, []).append(node.name)
        else:
            args.append(name)
    return tuple(args)


def _steps_with_releases(
    graph: Graph, order: list[str], args_of: Mapping[str, tuple[str, ...]], outputs: set[str]
) -> list[Step]:
    """The steps of ``order``, each releasing the values it is the last to read: walking the
    order backwards, the first reader met of a value is its last."""
    nodes = graph.nodes
    seen = set(outputs)  # outputs are never released
    steps: list[Step] = [None] * len(order)  # type: ignore[list-item]
    for index in range(len(order) - 1, -1, -1):
        name = order[index]
        args = args_of[name]
        release: tuple[str, ...] = ()
        for arg in args:
            if arg not in seen:
                seen.add(arg)
                release += (arg,)
        steps[index] = _new_step(nodes[name], args, release)
    return steps


_STEP_SET = slot_setters(Step, ("node", "args", "release"))


def _new_step(node: Node, args: tuple[str, ...], release: tuple[str, ...],
              _new: Any = object.__new__,
              _set: tuple[Callable[[Any, Any], None], ...] = _STEP_SET) -> Step:
    """``Step(node, args, release)`` without the frozen dataclass ``__init__`` overhead (a plan
    of a 10,000-node request makes 10,000 steps)."""
    step = _new(Step)
    _set[0](step, node)
    _set[1](step, args)
    _set[2](step, release)
    return step  # type: ignore[no-any-return]


def _reads(
    graph: Graph, outputs: Sequence[str], args_of: Mapping[str, tuple[str, ...]]
) -> list[str]:
    """Leaf values the plan reads (arguments and outputs that are not computed), in order."""
    seen: dict[str, None] = {}
    for name in outputs:
        if name not in args_of:
            seen[name] = None
    for args in args_of.values():
        for arg in args:
            if arg not in args_of:
                seen[arg] = None
    return list(seen)


def _describe_missing(graph: Graph, missing: Mapping[str, list[str]],
                      provided: Collection[str]) -> str:
    lines = []
    for name, consumers in sorted(missing.items()):
        node = graph.nodes[name]
        needed_by = ", ".join(
            c if c.startswith("(") else f"{c} ({graph.nodes[c].where()})" for c in consumers
        )
        hint = close_names(name, provided)
        suggestion = f" You passed {', '.join(repr(h) for h in hint)}: a typo?" if hint else ""
        lines.append(f"  {name}: {qualified_type_name(node.type)}, needed by {needed_by}."
                     + suggestion)
    return (
        f"{len(missing)} required input(s) missing; pass them with inputs={{...}} "
        "(or config / overrides):\n" + "\n".join(lines)
    )
