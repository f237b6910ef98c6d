"""The interpreted run of a plan made of graph positions (:class:`~dataflow.plan.PlanArrays`):
values in a list by position, no object per step.

This is what a request's first runs execute, before its plan is compiled
(:mod:`dataflow.execution.runner`): per step one call, a store into the list, and the
values it was the last to read dropped (set to ``None``). The value dict of the run is read
into the list at the start and the outputs read back from it at the end.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from dataflow.execution.failures import annotate_failure
from dataflow.graph_index import KEYWORDS, NO_ARGS, ONE_POSITIONAL
from dataflow.plan import Plan, PlanArrays


def run_slots(plan: Plan, arrays: PlanArrays, values: dict[str, Any],
              start: int = 0) -> dict[str, Any]:
    """The outputs of ``plan`` run from its step ``start`` on, over ``values``: the provided
    values and those computed by the steps before ``start`` that later steps read, by name.
    ``values`` is consumed as by the other loops: it holds the outputs only at the end (every
    other value is in the list meanwhile, freed after its last reader). A failing step's
    exception gains the loop's note."""
    index = arrays.index
    position = index.position
    names = index.names
    slots: list[Any] = [None] * len(names)
    passed = None
    for name, value in values.items():
        at = position.get(name)
        if at is not None:
            slots[at] = value
        else:  # a passed-through value that is not a node: an output
            passed = {**(passed or {}), name: value}
    value = None  # the list holds them now: each is freed after its last reader
    values.clear()
    fns = index.fns
    kinds = index.kinds
    deps = index.deps
    order = arrays.order
    steps = zip(map(fns.__getitem__, order), order, arrays.release)
    if start:
        steps = islice(steps, start, None)  # type: ignore[assignment]
    at = -1
    try:
        for fn, at, release in steps:
            kind = kinds[at]
            if kind == ONE_POSITIONAL:
                slots[at] = fn(slots[deps[at][0]])  # type: ignore[misc]
            elif kind == NO_ARGS:
                slots[at] = fn()  # type: ignore[misc]
            elif kind == KEYWORDS:
                slots[at] = fn(**{names[d]: slots[d] for d in deps[at]})  # type: ignore[misc]
            else:
                slots[at] = fn(*[slots[d] for d in deps[at]])  # type: ignore[misc]
            for dead in release:
                slots[dead] = None
    except Exception as error:
        step = plan.steps[order.index(at, start)]
        raise annotate_failure(error, step, {names[d]: slots[d] for d in deps[at]}) from None
    result = {name: slots[at] if at >= 0 else passed[name]  # type: ignore[index]
              for name, at in arrays.outputs}
    values.update(result)  # as the other loops leave it: the outputs only
    return result


__all__ = ["run_slots"]
