"""Fan-out blocks: which nodes run once per item of a ``Parallelizable``, and in what order.

A function returning ``Parallelizable[T]`` *expands*: the nodes downstream of it, up to (not
including) the functions with a ``Collect[T]`` parameter, form its *block* and run once per
item; the collecting functions get the per-item values as a list. Everything else runs once.

Two stages, both plain functions over frozen values:

* :func:`fanout_of` (at build, once per driver) finds each node's block and refuses the shapes
  that have no meaning, every problem in one :class:`FanoutShapeError`;
* :func:`fanout_plan_of` (once per request shape, beside the plan) refuses requests that reach
  into a block and turns the plan's steps into :class:`FanoutPlan` units: steps that run once
  and :class:`Block` s whose steps run per item, in an order where each block runs after what
  it reads and before what collects it. This is linear in the plan's size, and the run itself
  (:mod:`dataflow.execution.fanout_run`) is linear in the number of items.

A graph without ``Parallelizable`` or ``Collect`` gets ``None`` from :func:`fanout_of` and its
requests never come here.

>>> from dataflow import ad_hoc_utils
>>> from dataflow.build import graph_from_modules
>>> from dataflow.htypes import Collect, Parallelizable
>>> def items(n: int) -> Parallelizable[int]: return range(n)
>>> def squared(items: int) -> int: return items * items
>>> def total(squared: Collect[int]) -> int: return sum(squared)
>>> graph = graph_from_modules(
...     [ad_hoc_utils.create_temporary_module(items, squared, total)], {}, False)
>>> fanout_of(graph).block_of
{'squared': 'items'}
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from dataflow.errors import DataflowError, GraphBuildError, RequestError
from dataflow.graph import Graph, topological_order
from dataflow.htypes import is_collect_type, is_parallelizable_type
from dataflow.node import Node, NodeRole
from dataflow.plan import Plan, Step, _new_step


class FanoutError(DataflowError):
    """A ``Parallelizable`` / ``Collect`` shape or request dataflow does not run."""


class FanoutShapeError(FanoutError, GraphBuildError):
    """The graph's ``Parallelizable`` / ``Collect`` functions form a shape with no meaning
    (raised when the driver is built; the message lists every problem)."""


class FanoutRequestError(FanoutError, RequestError):
    """A request reaches into a fan-out block (requests or overrides a node that has one value
    per item), or runs fan-out on a driver that cannot."""


class NodeGroupPurpose(enum.Enum):
    """Why a task exists (the ``purpose`` Task hooks receive; Hamilton's names and values)."""

    EXPAND_UNORDERED = "expand_unordered"
    EXECUTE_BLOCK = "execute_block"
    GATHER = "gather"
    EXECUTE_SINGLE = "execute_single"


@dataclass(frozen=True, slots=True)
class FanoutGraph:
    """A graph's fan-out structure (see :func:`fanout_of`)."""

    expanders: tuple[str, ...]
    """Nodes annotated ``-> Parallelizable[...]``."""
    block_of: dict[str, str]
    """Each node inside a block → the expander that starts the block."""
    collected: dict[str, tuple[str, ...]]
    """Each collecting node → the block nodes its ``Collect`` parameters name."""


@dataclass(frozen=True, slots=True)
class Block:
    """The steps that run once per item of ``expander``'s iterable.

    Inside an item the item is the value named ``expander``; ``reads`` are the values from
    outside the block its steps read (inputs, config, nodes that ran once); the steps'
    ``release`` lists free the item's intermediates as soon as they are dead; ``collected`` are
    the values gathered, one list per name, for the collecting nodes."""

    expander: str
    steps: tuple[Step, ...]
    reads: tuple[str, ...]
    collected: tuple[str, ...]
    release: tuple[str, ...]
    """Values outside the block that nothing after it reads (freed when it ends)."""

    @property
    def name(self) -> str:
        return f"block-{self.expander}"


@dataclass(frozen=True, slots=True)
class FanoutPlan:
    """A plan with fan-out: ``units`` in run order, each a :class:`~dataflow.plan.Step` that
    runs once (its ``release`` recomputed for this order) or a :class:`Block`."""

    plan: Plan
    units: tuple[Step | Block, ...]
    expanders: tuple[str, ...]
    """Steps of ``units`` that expand."""
    collectors: dict[str, str]
    """Collecting steps of ``units`` → the expander whose block they collect."""


def fanout_of(graph: Graph) -> FanoutGraph | None:
    """The fan-out structure of ``graph``, or ``None`` when it has no ``Parallelizable`` and no
    ``Collect``. Raises :class:`FanoutShapeError` naming every node (and its file:line) of every
    shape it cannot run: a ``Parallelizable`` whose block no ``Collect`` ends, a ``Collect`` of
    the ``Parallelizable`` itself or of a node outside any block, a node that collects and
    expands, a block inside a block, a node mixing two blocks."""
    nodes = graph.nodes
    expanders, collecting = _marked(nodes.values())
    if not expanders and not collecting:
        return None
    functions = [n for n in nodes.values() if n.role is NodeRole.FUNCTION]
    block_of: dict[str, str] = {}
    collected_blocks: set[str] = set()
    problems: list[str] = []
    for name in topological_order(graph, [n.name for n in functions]):
        node = nodes[name]
        collected = collecting.get(name, ())
        reads: set[str] = set()
        per_item: list[str] = []  # parameters that are one value per item of a block
        for dep in node.dependencies:
            if dep.name not in collected:
                block = block_of.get(dep.name) or (dep.name if dep.name in expanders else None)
                if block is not None:
                    reads.add(block)
                    per_item.append(dep.name)
        if len(reads) > 1:
            problems.append(f"{_where(node)} reads values of two fan-out blocks "
                            f"({_blocks(graph, reads)}): a node belongs to one block at most; "
                            "collect one of them first.")
            continue
        if collected:
            if name in expanders:
                problems.append(f"{_where(node)} both collects ({', '.join(collected)}) and "
                                "expands (returns Parallelizable): split it into a collecting "
                                "node and an expanding node that reads it.")
            sources = set()
            for item in collected:
                if item in expanders:
                    problems.append(
                        f"{_where(node)} collects {_where(nodes[item])}, the Parallelizable "
                        "itself: put at least one node between them (the block), or read "
                        f"{item!r} without Collect[...] to get its list of items.")
                elif item in block_of:
                    sources.add(block_of[item])
                else:
                    problems.append(
                        f"{_where(node)} collects {_where(nodes[item])}, which is not inside a "
                        "fan-out block (nothing upstream of it returns Parallelizable[...]).")
            if len(sources) > 1:
                problems.append(f"{_where(node)} collects from two fan-out blocks "
                                f"({_blocks(graph, sources)}): collect each in its own node.")
            if reads & sources:
                problems.append(
                    f"{_where(node)} collects {', '.join(collected)} and also reads "
                    f"{', '.join(repr(p) for p in per_item)} without Collect[...]: that is one "
                    f"value per item of the fan-out block of {_where(nodes[next(iter(reads))])}, "
                    "and a collecting node runs once, after every item. Annotate it "
                    "Collect[...] too, or compute what needs it inside the block.")
            elif reads:
                problems.append(
                    f"{_where(node)} collects inside the fan-out block of "
                    f"{_where(nodes[next(iter(reads))])}: nested blocks are not supported.")
            collected_blocks.update(sources)
        elif reads:
            block = next(iter(reads))
            block_of[name] = block
            if name in expanders:
                problems.append(
                    f"{_where(node)} returns Parallelizable inside the fan-out block of "
                    f"{_where(nodes[block])}: nested blocks are not supported; collect the "
                    "outer block first.")
    for name in sorted(expanders - collected_blocks):
        if graph.dependents.get(name):
            inside = [n for n, b in block_of.items() if b == name]
            problems.append(
                f"{_where(nodes[name])} returns Parallelizable but no Collect[...] parameter "
                f"ends its block ({', '.join(inside) or 'its consumers'}): add a function with a "
                "Collect[...] parameter naming a node of the block.")
    if problems:
        raise FanoutShapeError(
            f"{len(problems)} fan-out shape problem(s) (Parallelizable / Collect):\n"
            + "\n".join(f"  {p}" for p in problems))
    return FanoutGraph(
        expanders=tuple(sorted(expanders)), block_of=block_of,
        collected={name: items for name, items in collecting.items()})


def _marked(nodes: Iterable[Node]) -> tuple[set[str], dict[str, tuple[str, ...]]]:
    """(expanding nodes, collecting nodes → the names they collect). Every driver pays for this
    scan at build, so plain classes (int, pandas.Series: most annotations) cost one identity
    test, and any other annotation object is classified once."""
    kinds: dict[int, int] = {}  # id(annotation) -> 0 plain, 1 Parallelizable, 2 Collect
    expanders: set[str] = set()
    collecting: dict[str, tuple[str, ...]] = {}
    plain = type
    for node in nodes:
        annotation = node.type
        if type(annotation) is not plain and _kind(annotation, kinds) == 1:
            expanders.add(node.name)
        for dep in node.dependencies:
            annotation = dep.type
            if type(annotation) is not plain and _kind(annotation, kinds) == 2:
                collecting[node.name] = (*collecting.get(node.name, ()), dep.name)
    return expanders, collecting


def _kind(annotation: object, kinds: dict[int, int]) -> int:
    kind = kinds.get(id(annotation))
    if kind is None:
        kind = kinds[id(annotation)] = (
            1 if is_parallelizable_type(annotation) else 2 if is_collect_type(annotation) else 0)
    return kind


def _where(node: Node) -> str:
    return f"{node.name!r} ({node.where()})"


def _blocks(graph: Graph, expanders: Collection[str]) -> str:
    return " and ".join(f"the block of {_where(graph.nodes[e])}"
                        for e in sorted(expanders))


def check_request(fanout: FanoutGraph, graph: Graph, outputs: Sequence[str],
                  overrides: Collection[str]) -> None:
    """Refuse outputs and overrides that name a node inside a block (it has one value per item,
    not one value), naming the node, its block and the collecting nodes to use instead."""
    problems = []
    for kind, names in (("requested", outputs), ("overridden", overrides)):
        for name in names:
            block = fanout.block_of.get(name)
            if block is None:
                continue
            collectors = ", ".join(sorted(
                c for c, items in fanout.collected.items()
                if any(fanout.block_of.get(i) == block for i in items)))
            if kind == "requested":
                hint = (f"Request a collecting node ({collectors}) instead, or {block!r} "
                        "itself for its list of items." if collectors else
                        "Add a function with a Collect[...] parameter naming it.")
            else:
                hint = (f"Override {block!r} (its items) or a collecting node "
                        f"({collectors or 'none yet'}) instead.")
            problems.append(
                f"{_where(graph.nodes[name])} is {kind}, but it is inside the fan-out block of "
                f"{_where(graph.nodes[block])}: it has one value per item. {hint}")
    if problems:
        raise FanoutRequestError("\n".join(problems))


def refuse_fanout(plan: Plan, fanout: FanoutGraph, graph: Graph, why: str) -> None:
    """Raise :class:`FanoutRequestError` if ``plan`` runs fan-out (``why`` says what to do)."""
    found = [s.node for s in plan.steps
             if s.name in fanout.expanders or s.name in fanout.collected]
    if found:
        raise FanoutRequestError(
            f"{', '.join(_where(n) for n in found)}: Parallelizable / Collect {why}")


def fanout_plan_of(plan: Plan, fanout: FanoutGraph) -> FanoutPlan | None:
    """``plan``'s steps as run-once steps and per-item blocks (``None`` when the plan has no
    fan-out step: it runs as any other plan)."""
    block_of = fanout.block_of
    steps = plan.steps
    inner: dict[str, list[Step]] = {}
    outer: list[Step] = []
    for step in steps:
        block = block_of.get(step.name)
        if block is None:
            outer.append(step)
        else:
            inner.setdefault(block, []).append(step)
    collectors = {s.name: block_of[fanout.collected[s.name][0]]
                  for s in outer if s.name in fanout.collected}
    expanders = tuple(s.name for s in outer if s.name in fanout.expanders)
    if not inner and not collectors and not expanders:
        return None
    wanted = {item for collector in collectors for item in fanout.collected[collector]}
    blocks = {name: _block(name, block_steps, wanted) for name, block_steps in inner.items()}
    units = _ordered_units(outer, blocks, block_of)
    return FanoutPlan(plan=plan, units=_with_releases(units, set(plan.outputs)),
                      expanders=expanders, collectors=collectors)


def _block(expander: str, steps: list[Step], wanted: set[str]) -> Block:
    """The block of ``expander`` over its ``steps`` in the plan; of the values the plan's
    collecting steps read (``wanted``), those the block computes are gathered."""
    computed = {s.name for s in steps}
    collected = [s.name for s in steps if s.name in wanted]
    reads: dict[str, None] = {}
    last_use: dict[str, int] = {}
    for index, step in enumerate(steps):
        for arg in step.args:
            if arg in computed:
                last_use[arg] = index
            elif arg != expander:
                reads[arg] = None
    keep = set(collected)
    releases: dict[int, list[str]] = {}
    for name, index in last_use.items():
        if name not in keep:
            releases.setdefault(index, []).append(name)
    return Block(
        expander=expander,
        steps=tuple(_new_step(s.node, s.args, tuple(releases.get(i, ())))
                    for i, s in enumerate(steps)),
        reads=tuple(reads), collected=tuple(dict.fromkeys(collected)), release=())


def _ordered_units(outer: list[Step], blocks: dict[str, Block],
                   block_of: dict[str, str]) -> list[Step | Block]:
    """Run-once steps and blocks in an order where each comes after what it reads (a stable
    depth-first post-order from the plan's order: linear in steps + edges)."""
    producer: dict[str, Step | Block] = {s.name: s for s in outer}
    for block in blocks.values():
        for name in block.collected:
            producer[name] = block

    def needs(unit: Step | Block) -> list[Step | Block]:
        names = [unit.expander, *unit.reads] if isinstance(unit, Block) else list(unit.args)
        return [producer[n] for n in names if n in producer]

    first: list[Step | Block] = [*outer, *blocks.values()]
    seen: set[int] = set()
    order: list[Step | Block] = []
    for start in first:
        if id(start) in seen:
            continue
        seen.add(id(start))
        stack = [(start, iter(needs(start)))]
        while stack:
            unit, pending = stack[-1]
            for dep in pending:
                if id(dep) not in seen:
                    seen.add(id(dep))
                    stack.append((dep, iter(needs(dep))))
                    break
            else:
                stack.pop()
                order.append(unit)
    return order


def _with_releases(units: list[Step | Block], outputs: set[str]) -> tuple[Step | Block, ...]:
    """``units`` with each one's ``release``: the values from outside blocks that no later unit
    reads (freed right after their last reader, blocks included)."""
    last_use: dict[str, int] = {}
    for index, unit in enumerate(units):
        names: Sequence[str] = ((unit.expander, *unit.reads) if isinstance(unit, Block)
                                else unit.args)
        for name in names:
            last_use[name] = index
    releases: dict[int, list[str]] = {}
    for name, index in last_use.items():
        if name not in outputs:
            releases.setdefault(index, []).append(name)
    result: list[Step | Block] = []
    for index, unit in enumerate(units):
        release = tuple(releases.get(index, ()))
        if isinstance(unit, Block):
            result.append(Block(unit.expander, unit.steps, unit.reads, unit.collected, release))
        else:
            result.append(_new_step(unit.node, unit.args, release))
    return tuple(result)
