"""Moved to :mod:`dataflow.execution.compiled`; these names stay importable from here."""

from dataflow.execution.compiled import CHUNK, CompiledPlan, compile_plan

__all__ = ["CHUNK", "CompiledPlan", "compile_plan"]
