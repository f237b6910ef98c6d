"""When a plan is worth compiling: the interpreted loop first, straight-line code once reused.

Compiling a plan (:mod:`dataflow.execution.compiled`) costs about as much as 50 interpreted runs
of trivial nodes, so only a plan that is executed again and again pays for it: a
:class:`PlanRunner` counts its runs and compiles after :data:`COMPILE_AFTER_RUNS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.execution.compiled import CompiledPlan, compile_plan
from dataflow.execution.loop import run_plan
from dataflow.plan import Plan

COMPILE_AFTER_RUNS = 32
"""A plan executed this many times is compiled to straight-line code."""


class PlanRunner:
    """One cached plan with its run count and, once reused enough, its compiled runner.

    ``on_compiled(size)`` is told the estimated memory the compiled code adds (a plan cache
    accounts for it)."""

    __slots__ = ("compile_after", "compiler", "on_compiled", "plan", "runner", "runs")

    def __init__(self, plan: Plan, *, compile_after: int = COMPILE_AFTER_RUNS,
                 compiler: Callable[[Plan], CompiledPlan] = compile_plan,
                 on_compiled: Callable[[int], None] | None = None) -> None:
        self.plan = plan
        self.runs = 0
        self.runner: CompiledPlan | None = None
        self.compile_after = compile_after
        self.compiler = compiler
        self.on_compiled = on_compiled

    def run(self, values: dict[str, Any]) -> dict[str, Any]:
        """The outputs of the plan over ``values`` (consumed), without hooks."""
        runner = self.runner
        if runner is not None:
            return runner(values)
        self.runs += 1
        if self.runs >= self.compile_after and not self.plan.has_async:
            compiled = self.compiler(self.plan)
            if self.runner is None:  # another thread may have compiled it meanwhile
                self.runner = compiled
                if self.on_compiled is not None:
                    self.on_compiled(4 * len(compiled.source))  # code ~ a few x source
        return run_plan(self.plan, values)
