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
from typing import Any, overload

from dataflow.errors import MissingInputsError, UnknownOutputError, close_names, did_you_mean
from dataflow.graph import Graph
from dataflow.graph_index import CONFIG_MARK, INPUT_MARK, ONE_POSITIONAL, GraphIndex
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


@dataclass(frozen=True, slots=True, eq=False)
class PlanArrays:
    """A plan's steps as positions of the graph's :class:`~dataflow.graph_index.GraphIndex`:
    what the in-process runner reads (:mod:`dataflow.execution.slots`). Every step's
    arguments are all its node's dependencies (``index.deps[position]``)."""

    index: GraphIndex
    order: list[int]
    """The steps' positions, in run order."""
    release: list[tuple[int, ...]]
    """Per step, the positions of the values it is the last to read (outputs excepted)."""
    outputs: tuple[tuple[str, int], ...]
    """(name, position) of each output; position -1 for a passed-through value that is not a
    node."""


class StepList(Sequence[Step]):
    """The :class:`Step` objects of a :class:`PlanArrays`, each made when first read (a run
    needs none; the compiler reads a few hundred at a time)."""

    __slots__ = ("_arrays", "_made", "_nodes")

    def __init__(self, arrays: PlanArrays, nodes: Mapping[str, Node]) -> None:
        self._arrays = arrays
        self._nodes = nodes
        self._made: list[Step | None] | None = None

    def __len__(self) -> int:
        return len(self._arrays.order)

    @overload
    def __getitem__(self, item: int) -> Step: ...

    @overload
    def __getitem__(self, item: slice) -> tuple[Step, ...]: ...

    def __getitem__(self, item: int | slice) -> Step | tuple[Step, ...]:
        if isinstance(item, slice):
            return tuple([self._step(k) for k in range(*item.indices(len(self)))])
        count = len(self)
        if item < 0:
            item += count
        if not 0 <= item < count:
            raise IndexError("step index out of range")
        return self._step(item)

    def __iter__(self) -> Iterator[Step]:
        for k in range(len(self)):
            yield self._step(k)

    def _step(self, k: int) -> Step:
        made = self._made
        if made is None:  # two threads may both make one: either list serves
            made = self._made = [None] * len(self)
        step = made[k]
        if step is None:
            arrays = self._arrays
            names = arrays.index.names
            at = arrays.order[k]
            step = made[k] = _new_step(
                self._nodes[names[at]], tuple([names[d] for d in arrays.index.deps[at]]),
                tuple([names[d] for d in arrays.release[k]]))
        return step

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (StepList, tuple, list)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"StepList({list(self)!r})"


@dataclass(frozen=True, slots=True)
class Plan:
    """An ordered list of steps over the minimal subgraph for one request shape."""

    outputs: tuple[str, ...]
    steps: Sequence[Step]
    """The steps in run order: a tuple, or a :class:`StepList` over :attr:`arrays`."""
    provided_used: tuple[str, ...]
    """Provided names (inputs and overrides) that the plan reads."""
    config_used: tuple[str, ...]
    """Config nodes the plan reads."""
    typed_inputs: tuple[TypedInput, ...]
    has_async: bool
    absent_outputs: tuple[str, ...] = ()
    """Requested inputs that nobody provided and no step needs: their value is ``None``
    (Hamilton's behaviour for an optional input requested as an output)."""

    arrays: PlanArrays | None = field(default=None, repr=False, compare=False)
    """The steps as graph positions (:class:`PlanArrays`) when the planner made them so (every
    request whose arguments are all its nodes' dependencies): the in-process runner runs
    these, and :attr:`steps` is made from them on demand."""

    _schedule: list[Schedule] = field(default_factory=list, repr=False, compare=False)
    """Holds :attr:`schedule` once computed (a frozen plan caches it here)."""

    @property
    def node_names(self) -> list[str]:
        if self.arrays is not None:
            names = self.arrays.index.names
            return [names[at] for at in self.arrays.order]
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
    plan = _plan_by_positions(graph, outputs, provided, unchecked)
    if plan is not None:
        return plan
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




def _plan_by_positions(graph: Graph, outputs: Sequence[str], provided: Collection[str],
                       unchecked: Collection[str]) -> Plan | None:
    """The plan, from the graph's index (:mod:`dataflow.graph_index`) with one mark per node
    and no object per step; ``None`` when a needed input is not provided (missing, optional or
    a requested output), which :func:`_plan` sorts out.

    Marks start from the index's template (even: not needed yet; provided values 2). Going
    down the run order from the last output, each needed step (mark 1) marks its dependencies
    needed; the first reader met of a value, the last to run, releases it."""
    index = graph.index
    position = index.position
    mark = bytearray(index.template)
    for name in provided:
        at = position.get(name)
        if at is not None:
            mark[at] = 2
    top = 0
    outputs_at = []
    leaves: list[int] = []  # provided, input and config values read (marks 2, 4, 6 first)
    for name in outputs:
        at = position.get(name, -1)
        outputs_at.append((name, at))
        if at >= 0:
            output_mark = mark[at]
            if output_mark and not output_mark & 1:
                leaves.append(at)
            mark[at] = output_mark | 1
            if at >= top:
                top = at + 1
    deps, kinds = index.deps, index.kinds
    release: list[tuple[int, ...]] = []
    append = release.append
    order: list[int] = []
    add_step = order.append
    at = mark.rfind(1, 0, top)
    while at >= 0:
        add_step(at)
        needs = deps[at]
        if kinds[at] == ONE_POSITIONAL:  # most nodes: one argument
            dep = needs[0]
            dep_mark = mark[dep]
            if dep_mark & 1:
                append(())
            else:
                mark[dep] = dep_mark | 1
                append(needs)
                if dep_mark:
                    leaves.append(dep)
        else:
            fresh: tuple[int, ...] = ()
            for dep in needs:
                dep_mark = mark[dep]
                if not dep_mark & 1:
                    mark[dep] = dep_mark | 1
                    fresh += (dep,)
                    if dep_mark:
                        leaves.append(dep)
            append(needs if len(fresh) == len(needs) else fresh)
        if at and mark[at - 1] == 1:  # the step just before is needed too (a chain)
            at -= 1
        else:
            at = mark.rfind(1, 0, at)
    if mark.find(INPUT_MARK | 1) >= 0:
        return None
    release.reverse()
    order.reverse()
    names = index.names
    leaves.sort()
    provided_used = [names[at] for at in leaves if mark[at] == 3]
    provided_used += [name for name, at in outputs_at if at < 0]
    arrays = PlanArrays(index, order, release, tuple(outputs_at))
    return Plan(
        outputs=tuple(outputs),
        steps=StepList(arrays, graph.nodes),
        provided_used=tuple(provided_used),
        config_used=tuple([names[at] for at in leaves if mark[at] == CONFIG_MARK | 1]),
        typed_inputs=_typed_inputs_read(graph, mark, order, provided, unchecked),
        has_async=any(mark[at] == 1 for at in index.async_positions),
        arrays=arrays,
    )


def _typed_inputs_read(graph: Graph, mark: bytearray, order: list[int],
                       provided: Collection[str],
                       unchecked: Collection[str]) -> tuple[TypedInput, ...]:
    """:func:`_typed_inputs` from the marks of :func:`_plan_by_positions`: the provided inputs
    read (mark 3) and, of their consumers, the steps (mark 1); in the same order (by first
    reading step, then parameter)."""
    index = graph.index
    position, template, nodes, names = index.position, index.template, graph.nodes, index.names
    found: dict[Any, tuple[tuple[int, int], str, Any, list[int], list[bool]]] = {}
    for name in provided:
        at = position.get(name)
        if at is None or mark[at] != 3 or template[at] != INPUT_MARK or name in unchecked:
            continue
        consumers = graph.dependents[name]
        if len(consumers) > len(order):  # an input of many nodes, a plan of few: its steps
            readers = [step for step in order if at in index.deps[step]]
        else:
            readers = sorted([position[c] for c in consumers if mark[position[c]] == 1])
        for reader in readers:
            for number, dep in enumerate(nodes[names[reader]].dependencies):
                if dep.name != name:
                    continue
                try:
                    entry = found.setdefault((name, dep.type),
                                             ((reader, number), name, dep.type, [], []))
                except TypeError:  # an unhashable annotation: its own entry
                    entry = found.setdefault((name, id(dep.type)),
                                             ((reader, number), name, dep.type, [], []))
                entry[3].append(reader)
                entry[4].append(dep.optional)
    return tuple(TypedInput(name, annotation, tuple([names[c] for c in consumers]),
                            all(optional))
                 for _, name, annotation, consumers, optional in sorted(
                     found.values(), key=lambda entry: entry[0]))


def _plan(graph: Graph, outputs: Sequence[str], provided: Collection[str],
          unchecked: Collection[str]) -> Plan:
    order, args_of, missing = _walk(graph, outputs, provided)
    order.sort(key=graph.index.position.__getitem__)  # the graph's run order, as every plan
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
            deps = node.dependencies
            if len(deps) == 1:  # most nodes: one argument, walked inline
                dep = deps[0].name
                if dep in provided:
                    args_of[name] = (dep,)
                    leaves.add(dep)
                    continue
                role = nodes[dep].role
                if role is function_role:
                    args_of[name] = (dep,)
                    if dep not in args_of:
                        stack.append(dep)
                    continue
            args = args_of[name] = _arguments(node, nodes, provided, missing)
            if len(args) == 1:
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
    new = object.__new__
    set_node, set_args, set_release = _STEP_SET
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
        step = new(Step)  # _new_step, inlined: one per node of the plan
        set_node(step, nodes[name])
        set_args(step, args)
        set_release(step, release)
        steps[index] = step
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
