"""Moved to :mod:`dataflow.execution.loop`; these names stay importable from here."""

from dataflow.execution.failures import annotate_failure
from dataflow.execution.loop import await_result, run_plan, run_plan_with_hooks

__all__ = ["annotate_failure", "await_result", "run_plan", "run_plan_with_hooks"]
