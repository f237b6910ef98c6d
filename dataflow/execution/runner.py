"""When and how much of a plan to compile: a little after each run, never a long pause.

Runs and compiles are timed in CPU time of the thread (``time.thread_time``), so the schedule
is the same on a quiet and on a loaded machine: time the thread waited for a core would
otherwise count as run time and buy long compiles.

Compiling a plan to straight-line code (:mod:`dataflow.execution.compiled`) costs CPython
about 10 µs per step (``compile()`` of the generated source), as much as a hundred runs of a
plan of trivial nodes. Done in one go that is a pause of a hundred runs in the middle of a
service's requests. So a :class:`PlanRunner` compiles a few steps at a time, from the front of
the plan, after each run from :data:`COMPILE_AFTER_RUNS` on: the compile time spent after a run
is paid out of a credit that grows by :data:`COMPILE_BUDGET` times the time of each run (at
least :data:`MIN_CREDIT`), so compiling adds about that fraction to the runs until the plan is
compiled. One run compiles one chunk: as many steps as the credit pays for, but at least as
many as the values the chunk is handed (on a wide graph a shorter chunk would spend its time
handing values over), and a whole small plan at once when that takes under
:data:`SHORT_PAUSE`. Each run executes the compiled front, then the rest with the interpreted
loop over prepared steps (:func:`~dataflow.execution.loop.run_prepared`); once every step is
compiled the runner is a :class:`~dataflow.execution.compiled.CompiledPlan`. Both paths call
the same functions with the same arguments, free each value after its last reader, and
annotate a failure the same way, so where the switch happens changes no result.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from dataflow.execution.compiled import (
    CHUNK,
    Chunk,
    CompiledPlan,
    compile_plan,
    positional,
    run_chunks,
)
from dataflow.execution.loop import Prepared, prepare, run_plan, run_prepared
from dataflow.execution.slots import run_slots
from dataflow.plan import Plan

COMPILE_AFTER_RUNS = 2
"""The run after which compiling starts (the first run of a request shape plans it)."""

COMPILE_BUDGET = 0.5
"""Compile time allowed per run, as a fraction of that run's own time."""

MIN_CREDIT = 5e-6
"""Seconds of compile credit a run earns at least (the fixed cost of an ``execute``), so that
small plans get compiled too."""

MIN_STEPS = 8
"""Fewest steps compiled at once (unless fewer remain)."""

SHORT_PAUSE = 1e-3
"""Seconds of compiling done at once whatever the credit: a small plan is compiled whole at
run :data:`COMPILE_AFTER_RUNS` (a pause this short is no stall)."""

MAX_PAUSE = 1.0
"""Once part of a plan is compiled, no chunk is estimated to take longer to compile than this
many times the run before it (whatever credit was saved up), so no execute costs more than
about twice its neighbours."""

Compiler = Callable[[Plan, Sequence[tuple[int, int]], Sequence[str]], CompiledPlan]


class PlanRunner:
    """One cached plan with its run count and its compiled prefix, growing after each run.

    ``compiler(plan, [(start, stop)], live_in)`` compiles a range of steps
    (:func:`compile_plan`);
    ``on_compiled(size)`` is told the estimated memory the compiled code adds once the whole
    plan is compiled (a plan cache accounts for it)."""

    __slots__ = ("_credit", "_lock", "_per_step", "_prepared", "_state", "compile_after",
                 "compiler", "on_compiled", "plan", "runner", "runs")

    def __init__(self, plan: Plan, *, compile_after: int = COMPILE_AFTER_RUNS,
                 compiler: Compiler = compile_plan,
                 on_compiled: Callable[[int], None] | None = None) -> None:
        self.plan = plan
        self.runs = 0
        self.runner: CompiledPlan | None = None
        """The compiled plan, once every step is compiled."""
        self.compile_after = compile_after
        self.compiler = compiler
        self.on_compiled = on_compiled
        self._state: tuple[tuple[Chunk, ...], int] = ((), 0)
        """(compiled chunks, how many steps they cover): replaced whole, read once per run."""
        self._prepared: list[Prepared] | None = None
        self._credit = 0.0
        self._per_step = 10e-6  # compile seconds per step, measured after each chunk
        self._lock = threading.Lock()

    @property
    def compiled_steps(self) -> int:
        """How many steps (from the front of the plan) run as compiled code."""
        return self._state[1]

    def run(self, values: dict[str, Any]) -> dict[str, Any]:
        """The outputs of the plan over ``values`` (consumed), without hooks."""
        runner = self.runner
        if runner is not None:
            return runner(values)
        plan = self.plan
        if plan.has_async:
            return run_plan(plan, values)
        started = time.thread_time()
        chunks, done = self._state
        if chunks:
            run_chunks(chunks, values)
        arrays = plan.arrays
        if arrays is not None:  # steps by graph position: values in a list, nothing prepared
            result = run_slots(plan, arrays, values, done)
        else:
            steps = plan.steps
            if done < len(steps):
                prepared = self._prepared
                if prepared is None:
                    prepared = self._prepared = prepare(steps, positional)
                run_prepared(prepared[done:] if done else prepared, steps, values)
            result = {name: values[name] for name in plan.outputs}
        self.runs += 1
        if self.runs >= self.compile_after:
            self._compile_some(time.thread_time() - started)
        return result

    def compile_steps(self, count: int) -> None:
        """Compile the next ``count`` steps now (fewer if fewer remain); runs from then on
        execute them as compiled code."""
        with self._lock:
            self._compile_next(min(count, len(self.plan.steps) - self._state[1]))

    def _compile_next(self, size: int) -> float:
        """Compile the next ``size`` steps (the lock held); the seconds it took."""
        chunks, done = self._state
        started = time.thread_time()
        if size > 0:
            live_in = chunks[-1].live_out if chunks else ()
            chunks += (self.compiler(self.plan, [(done, done + size)], live_in).chunks[0],)
            self._state = (chunks, done + size)
        spent = time.thread_time() - started
        if done + size == len(self.plan.steps) and self.runner is None:
            self.runner = CompiledPlan(self.plan, chunks)
            self._prepared = None
            if self.on_compiled is not None:
                self.on_compiled(4 * sum(len(c.source) for c in chunks))
        return spent

    def _compile_some(self, run_seconds: float) -> None:
        """Compile the next steps, as many as the credit pays for (one chunk at most)."""
        if not self._lock.acquire(blocking=False):
            return  # another thread is compiling; this run only ran
        try:
            self._credit += max(COMPILE_BUDGET * run_seconds, MIN_CREDIT)
            chunks, done = self._state
            remaining = len(self.plan.steps) - done
            if self.runner is not None:
                return
            if remaining == 0:  # nothing to compile (a plan of passed-through values)
                self._compile_next(0)
                return
            if not chunks and remaining * self._per_step <= SHORT_PAUSE:
                size = min(CHUNK, remaining)  # a small plan: at once
            elif self._credit <= 0:
                return  # still paying for the last chunk
            else:
                # a chunk unpacks and repacks the values it is handed: at least as many steps
                # as those values keep that under one value per step (wide graphs)
                width = len(chunks[-1].live_out) if chunks else 0
                affordable = min(int(self._credit / self._per_step),
                                 int(MAX_PAUSE * run_seconds / self._per_step))
                size = min(CHUNK, remaining, max(MIN_STEPS, affordable, width))
            spent = self._compile_next(size)
            self._credit -= spent
            self._per_step = spent / size
        finally:
            self._lock.release()
