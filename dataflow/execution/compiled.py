"""A plan turned into straight-line Python, for requests that are executed more than once.

The interpreted loop of :mod:`dataflow.execution.loop` pays for a dict comprehension,
attribute look-ups and a release loop at every step. A compiled plan is what a person would
write by hand, values in local variables::

    spend = f0(raw_spend)
    del raw_spend
    spend_mean = f1(spend)

so the per-node overhead is one call and a local store. A function is called with positional
arguments when its parameters are exactly the step's arguments in order (a plain ``def``), with
keywords otherwise. Steps are emitted in chunks of at most :data:`CHUNK` per generated
function, so compile time stays linear, and a plan can be compiled one chunk at a time
(:class:`~dataflow.execution.runner.PlanRunner` does, between runs). Values computed by one
chunk and read after it are handed to the next chunk in a list (``carry``) that it unpacks
into locals and empties, so they never go through a dict; provided values (inputs, overrides,
config) are read from the run's value dict. A value is deleted right after its last reader,
as in the loop.

A failure is attributed to its step by the line it happened on (one step per line), so the
exception keeps its type and traceback and gains the same note as in the interpreted loop.
The generated source is kept on the runner (``runner.source``) for anyone who wants to read
exactly what runs.
"""

from __future__ import annotations

import keyword
import re
import types
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dataflow.execution.failures import annotate_failure
from dataflow.plan import Plan, Step

CHUNK = 400
"""Most steps per generated function."""

_FUNCTION = types.FunctionType
_RESERVED = re.compile(r"^(v|fs|carry|f\d+|_l\d+)$")
"""Names the generated code uses itself: a value so named gets an ``_lN`` local instead."""


def positional(step: Step) -> bool:
    """Whether ``step``'s function takes its arguments by position: a plain function whose
    first parameters are exactly the step's arguments in order (positional-or-keyword), so
    ``fn(a, b)`` binds what ``fn(a=a, b=b)`` binds."""
    fn = step.node.fn
    if type(fn) is not _FUNCTION:
        return False
    code = fn.__code__  # type: ignore[attr-defined]
    args = step.args
    count = len(args)
    return (count <= code.co_argcount and not code.co_posonlyargcount
            and code.co_varnames[:count] == args and not code.co_flags & 0x180)
    # 0x180: CO_COROUTINE | CO_ITERABLE_COROUTINE (async nodes run in the loop only)


def chunk_bounds(plan: Plan, size: int = CHUNK) -> list[tuple[int, int]]:
    """The (start, stop) step ranges of ``plan``'s chunks of at most ``size`` steps."""
    count = len(plan.steps)
    return [(start, min(start + size, count)) for start in range(0, count, size)]


Carry = list[Any]
"""The computed values one chunk hands the next (the next chunk empties it)."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """Generated code running ``steps`` (a slice of a plan): ``run(values, functions, carry)``
    takes the values named :attr:`live_in` from ``carry`` and leaves there those named
    :attr:`live_out`; provided values come from ``values``."""

    run: Callable[[dict[str, Any], tuple[Callable[..., Any], ...], Carry], None]
    functions: tuple[Callable[..., Any], ...]
    steps: tuple[Step, ...]
    live_in: tuple[str, ...]
    live_out: tuple[str, ...]
    """Values computed up to this chunk's end that a later step reads, or outputs."""
    line_of_step: dict[int, int]
    """Source line → index in :attr:`steps` of the step called on it."""
    local_of: dict[str, str]
    """Value name → the local variable holding it."""
    source: str

    def failed_step(self, error: BaseException) -> tuple[Step, dict[str, Any]] | None:
        """The step whose call raised ``error`` and its arguments, from the traceback."""
        code = self.run.__code__
        traceback = error.__traceback__
        while traceback is not None:
            frame = traceback.tb_frame
            if frame.f_code is code:
                index = self.line_of_step.get(traceback.tb_lineno)
                if index is None:
                    return None
                step = self.steps[index]
                local = frame.f_locals
                arguments = {a: local[self.local_of[a]] for a in step.args
                             if self.local_of[a] in local}
                return step, arguments
            traceback = traceback.tb_next
        return None


def _usable_as_local(name: str) -> bool:
    """Whether a value can live in a local variable of its own name: an identifier, not a
    keyword nor a name of the generated code, and spelled as Python reads it (Python folds
    identifiers to NFKC when it compiles them: the fullwidth letter a, U+FF41, would be the
    local ``a``)."""
    return (name.isidentifier() and not keyword.iskeyword(name) and not _RESERVED.match(name)
            and unicodedata.normalize("NFKC", name) == name)


def compile_chunk(plan: Plan, start: int, stop: int, live_in: Sequence[str] = ()) -> Chunk:
    """Generate and compile the code running steps ``start:stop`` of ``plan``, given the
    computed values ``live_in`` that earlier steps hand it (in that order)."""
    steps = plan.steps[start:stop]
    outputs = set(plan.outputs)
    local_of: dict[str, str] = {}

    def local(name: str) -> str:
        found = local_of.get(name)
        if found is None:
            found = (name if _usable_as_local(name) else f"_l{len(local_of)}")
            local_of[name] = found
        return found

    lines = ["def run_chunk(v, fs, carry):"]
    if steps:
        lines.append(f"    ({', '.join(f'f{i}' for i in range(len(steps)))},) = fs")
    if live_in:
        lines.append(f"    ({', '.join(local(name) for name in live_in)},) = carry")
        lines.append("    carry.clear()")
    handed = set(live_in)
    computed = {step.name for step in steps}
    released = {name for step in steps for name in step.release}
    loaded: dict[str, None] = {}
    for step in steps:
        for arg in step.args:
            if arg not in computed and arg not in handed:
                loaded.setdefault(arg)
    for name in loaded:  # provided values; popped when they die in this chunk
        read = f"v.pop({name!r})" if name in released else f"v[{name!r}]"
        lines.append(f"    {local(name)} = {read}")
    line_of_step: dict[int, int] = {}
    for index, step in enumerate(steps):
        line_of_step[len(lines) + 1] = index
        lines.append(f"    {local(step.name)} = f{index}({_arguments(step, local)})")
        dead = [local(name) for name in step.release]
        if dead:
            lines.append(f"    del {', '.join(dead)}")
    # a computed value not dead by the chunk's end is read later, or an output
    live_out = tuple([name for name in live_in if name not in released or name in outputs]
                     + [step.name for step in steps
                        if step.name not in released or step.name in outputs])
    if live_out:
        lines.append(f"    carry += ({', '.join(local(name) for name in live_out)},)")
    source = "\n".join(lines) + "\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<dataflow plan steps {start}..{stop - 1}>", "exec",
                 dont_inherit=True), namespace)
    return Chunk(namespace["run_chunk"], tuple(step.fn for step in steps), tuple(steps),
                 tuple(live_in), live_out, line_of_step, local_of, source)


def _arguments(step: Step, local: Callable[[str], str]) -> str:
    if positional(step):
        return ", ".join(local(a) for a in step.args)
    if all(a.isidentifier() and not keyword.iskeyword(a) for a in step.args):
        return ", ".join(f"{a}={local(a)}" for a in step.args)
    return "**{" + ", ".join(f"{a!r}: {local(a)}" for a in step.args) + "}"


def run_chunks(chunks: Sequence[Chunk], values: dict[str, Any]) -> None:
    """Run ``chunks`` (consecutive, from a plan's first step) over ``values``, then put the
    computed values later steps or the result read into ``values``; a failing step's exception
    gains the loop's note."""
    carry: Carry = []
    chunk = None
    try:
        for chunk in chunks:
            chunk.run(values, chunk.functions, carry)
    except Exception as error:
        found = chunk.failed_step(error) if chunk is not None else None
        if found is None:
            raise
        raise annotate_failure(error, found[0], found[1]) from None
    if carry:
        values.update(zip(chunk.live_out, carry))  # type: ignore[union-attr]


@dataclass(frozen=True, slots=True)
class CompiledPlan:
    """Runs one plan with generated straight-line code; ``source`` is that code."""

    plan: Plan
    chunks: tuple[Chunk, ...]

    @property
    def source(self) -> str:
        return "\n".join(chunk.source for chunk in self.chunks)

    def __call__(self, values: dict[str, Any]) -> dict[str, Any]:
        carry: Carry = []
        chunk = None
        try:  # run_chunks, inlined: this is every execute of a compiled plan
            for chunk in self.chunks:
                chunk.run(values, chunk.functions, carry)
        except Exception as error:
            found = chunk.failed_step(error) if chunk is not None else None
            if found is None:
                raise
            raise annotate_failure(error, found[0], found[1]) from None
        if carry:
            values.update(zip(chunk.live_out, carry))  # type: ignore[union-attr]
        return {name: values[name] for name in self.plan.outputs}


def compile_plan(plan: Plan, bounds: Sequence[tuple[int, int]] | None = None,
                 live_in: Sequence[str] = ()) -> CompiledPlan:
    """Generate and compile the straight-line runner of ``plan`` (not for async plans), in
    chunks of :data:`CHUNK` steps, or over the given consecutive ``(start, stop)`` ranges,
    the first of which is handed the computed values ``live_in`` (see :class:`Chunk`)."""
    if plan.has_async:
        raise ValueError("async plans run in the interpreted loop")
    chunks = []
    handed = tuple(live_in)
    for start, stop in chunk_bounds(plan) if bounds is None else bounds:
        chunks.append(compile_chunk(plan, start, stop, handed))
        handed = chunks[-1].live_out
    return CompiledPlan(plan, tuple(chunks))
