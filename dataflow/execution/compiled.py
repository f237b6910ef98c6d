"""A plan turned into straight-line Python, for requests that are executed more than once.

The interpreted loop of :mod:`dataflow.execution.loop` pays for a dict comprehension,
attribute look-ups and a release loop at every step. A compiled plan is what a person would
write by hand::

    v["spend"] = f0(raw_spend=v["raw_spend"])
    del v["raw_spend"]
    v["spend_mean"] = f1(spend=v["spend"])

so the per-node overhead is one keyword call and a dictionary store. Steps are emitted in
chunks of :data:`CHUNK` per generated function to keep compile time linear and code objects
small. A failure is attributed to its step through a step counter, so the exception keeps its
type and gains the same note as in the interpreted loop. The generated source is kept on the
runner (``runner.source``) for anyone who wants to read exactly what runs.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dataflow.execution.failures import annotate_failure
from dataflow.plan import Plan, Step

CHUNK = 400


def _is_identifier(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name)


def _call(function_index: int, step: Step) -> str:
    if all(_is_identifier(a) for a in step.args):
        arguments = ", ".join(f"{a}=v[{a!r}]" for a in step.args)
    else:
        arguments = "**{" + ", ".join(f"{a!r}: v[{a!r}]" for a in step.args) + "}"
    return f"v[{step.name!r}] = f{function_index}({arguments})"


def _chunk_source(steps: list[Step]) -> str:
    unpack = ", ".join(f"f{i}" for i in range(len(steps)))
    lines = ["def run_chunk(v, fs):", f"    ({unpack},) = fs", "    s = 0", "    try:"]
    for index, step in enumerate(steps):
        lines.append(f"        s = {index}")
        lines.append(f"        {_call(index, step)}")
        for name in step.release:
            lines.append(f"        del v[{name!r}]")
    lines += ["    except Exception as error:", "        raise Failed(s, error) from None"]
    return "\n".join(lines) + "\n"


class Failed(Exception):
    """Internal: carries the index of the failing step out of generated code."""

    def __init__(self, index: int, error: Exception) -> None:
        self.index = index
        self.error = error


@dataclass(frozen=True, slots=True)
class _Chunk:
    run: Callable[[dict[str, Any], tuple[Callable[..., Any], ...]], None]
    functions: tuple[Callable[..., Any], ...]
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class CompiledPlan:
    """Runs one plan with generated straight-line code; ``source`` is that code."""

    plan: Plan
    chunks: tuple[_Chunk, ...]
    source: str

    def __call__(self, values: dict[str, Any]) -> dict[str, Any]:
        for chunk in self.chunks:
            try:
                chunk.run(values, chunk.functions)
            except Failed as failed:
                step = chunk.steps[failed.index]
                arguments = {a: values[a] for a in step.args if a in values}
                raise annotate_failure(failed.error, step, arguments) from None
        return {name: values[name] for name in self.plan.outputs}


def compile_plan(plan: Plan) -> CompiledPlan:
    """Generate and compile the straight-line runner of ``plan`` (not for async plans)."""
    if plan.has_async:
        raise ValueError("async plans run in the interpreted loop")
    chunks = []
    sources = []
    steps = list(plan.steps)
    for offset in range(0, len(steps), CHUNK):
        part = steps[offset:offset + CHUNK]
        source = _chunk_source(part)
        namespace: dict[str, Any] = {"Failed": Failed}
        exec(compile(source, f"<dataflow plan steps {offset}..>", "exec", dont_inherit=True),
             namespace)
        chunks.append(_Chunk(namespace["run_chunk"], tuple(s.fn for s in part), tuple(part)))
        sources.append(source)
    return CompiledPlan(plan, tuple(chunks), "\n".join(sources))
