"""The run state of a plan whose steps finish in any order: which steps may start, and when
each value is dead.

Threads, processes, tasks on an event loop and remote workers finish steps in whatever order
they like. What every such runner must track is the same, and lives here, once, as plain
lists and dicts (as in dask's local scheduler): the steps ready to start, how many steps each
step still waits for, how many readers each value has left, and the values themselves, each
freed as soon as its last reader has finished (outputs are kept). Runners keep only their own
concern: how a step is called (inline, as a task, on a pool), failures, cancellation, hooks.

A runner takes step indexes off :attr:`ReadyQueue.ready`, builds each one's arguments with
:meth:`ReadyQueue.arguments`, and reports its value with :meth:`ReadyQueue.finish` whenever it
has it: a step may be reported any time after it was taken (a step whose value is gathered
from work the runner does later, such as a fan-out over items, is finished only then; its
arguments stay alive until that moment and its dependents do not start before it).

>>> from dataflow import ad_hoc_utils
>>> from dataflow.build import graph_from_modules
>>> from dataflow.plan import plan_for
>>> def a(x: int) -> int: return x + 1
>>> def b(a: int) -> int: return a * 2
>>> def c(a: int) -> int: return a * 3
>>> graph = graph_from_modules([ad_hoc_utils.create_temporary_module(a, b, c)], {}, False)
>>> queue = ReadyQueue(plan_for(graph, ["b", "c"], {"x"}), {"x": 1})
>>> list(queue.ready)                        # only "a" may start
[0]
>>> queue.finish(queue.ready.popleft(), 2)   # "a" is 2: its readers "b" and "c" may start
>>> list(queue.ready), queue.values
([1, 2], {'a': 2})
>>> queue.finish(queue.ready.pop(), 6)       # "c" first; "a" has a reader left
>>> queue.finish(queue.ready.pop(), 4)       # "b": "a" is dead and freed
>>> queue.done, queue.values, queue.outputs()
(True, {'c': 6, 'b': 4}, {'b': 4, 'c': 6})
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from dataflow.plan import Plan, Step


class ReadyQueue:
    """The out-of-order run state of one run of ``plan`` over ``values`` (provided and config
    values by name; the dict is used and changed in place: computed values are added to it and
    dead ones removed)."""

    __slots__ = ("_outputs", "_readers", "_remaining", "_unfinished", "_waiting", "ready",
                 "steps", "values")

    steps: Sequence[Step]
    """The plan's steps; the queue speaks of each by its index here."""
    values: dict[str, Any]
    """Every live value by name: provided ones not yet dead, and results not yet dead."""
    ready: deque[int]
    """Indexes of the steps whose inputs are all there and that no runner took yet, in the
    order they became ready. A runner takes them off (``popleft``, or any other); each must
    later be reported once with :meth:`finish`."""

    def __init__(self, plan: Plan, values: dict[str, Any]) -> None:
        steps = self.steps = plan.steps
        schedule = plan.schedule
        self._outputs = plan.outputs
        outputs = set(plan.outputs)
        # Readers left per value; an output has one reader more, which never finishes.
        remaining = {name: count + (name in outputs)
                     for name, count in schedule.leaf_consumers}
        position: dict[str, int] = {}
        waiting: list[int] = []
        readers: list[list[int]] = []
        ready: deque[int] = deque()
        for index, (step, waits_for, consumers) in enumerate(
                zip(steps, schedule.waits_for, schedule.consumers)):
            name = step.node.name
            position[name] = index
            remaining[name] = consumers + (name in outputs)
            waiting.append(len(waits_for))
            readers.append([])
            for wanted in waits_for:
                readers[position[wanted]].append(index)
            if not waits_for:
                ready.append(index)
        self.values = values
        self.ready = ready
        self._remaining = remaining
        self._waiting = waiting
        self._readers = readers
        self._unfinished = len(steps)

    def arguments(self, index: int) -> dict[str, Any]:
        """The keyword arguments of step ``index``, by name (all there once it is ready)."""
        values = self.values
        return {name: values[name] for name in self.steps[index].args}

    def finish(self, index: int, value: Any) -> None:
        """Step ``index`` (taken off :attr:`ready`) returned ``value``: store it, free every
        value it was the last to read, put the steps that waited only for it on
        :attr:`ready`, and free ``value`` at once if nothing reads it and it is no output."""
        waiting = self._waiting
        if waiting[index]:
            node = self.steps[index].node
            raise RuntimeError(f"node {node.name!r} ({node.where()}), step {index} of the plan, "
                               "was reported finished but was not ready to run, or had "
                               "finished already")
        waiting[index] = -1
        values = self.values
        remaining = self._remaining
        step = self.steps[index]
        name = step.node.name
        values[name] = value
        for arg in step.args:
            remaining[arg] -= 1
            if not remaining[arg]:
                del values[arg]
        for reader in self._readers[index]:
            waiting[reader] -= 1
            if not waiting[reader]:
                self.ready.append(reader)
        if not remaining[name]:
            del values[name]
        self._unfinished -= 1

    @property
    def done(self) -> bool:
        """Whether every step has been reported finished."""
        return not self._unfinished

    def outputs(self) -> dict[str, Any]:
        """The requested values by name, in the plan's order (once :attr:`done`)."""
        values = self.values
        return {name: values[name] for name in self._outputs}
