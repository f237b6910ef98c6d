"""Notes on exceptions that say where a run failed, without changing the exception's type.

A failing user function keeps its own exception type (so callers' ``except`` clauses still
match) and gains a PEP 678 note naming the node, its function's file:line and its arguments'
types. Python 3.10 has no ``add_note``; the note is stored where 3.11 keeps notes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from dataflow.node import qualified_type_name
from dataflow.plan import Step

E = TypeVar("E", bound=BaseException)


def add_note(error: BaseException, note: str) -> None:
    """``error.add_note(note)``, also on Python 3.10."""
    if hasattr(error, "add_note"):
        error.add_note(note)
    else:  # Python 3.10: PEP 678 notes are stored the same way, just not printed
        error.__notes__ = [*getattr(error, "__notes__", []), note]  # type: ignore[attr-defined]


_UNWRAPPERS: list[Callable[[BaseException], BaseException | None]] = []


def register_failure_unwrapper(unwrap: Callable[[BaseException], BaseException | None]) -> None:
    """Let an engine plugin give back the user's own exception when the engine raises its own
    wrapper instead (Spark's ``PythonException`` for a failing UDF): ``unwrap(error)`` returns
    the original exception, or ``None`` for an error it does not know."""
    if unwrap not in _UNWRAPPERS:
        _UNWRAPPERS.append(unwrap)


def annotate_failure(error: E, step: Step, kwargs: Mapping[str, Any]) -> E:
    """Add a note naming the node, its function's file:line and its arguments' types (to the
    user's own exception, when an engine wrapped it: see :func:`register_failure_unwrapper`)."""
    for unwrap in _UNWRAPPERS:
        original = unwrap(error)
        if original is not None:
            error = cast(E, original)
            break
    add_note(error, describe_failure(step.node.name, step.node.where(), kwargs))
    return error


def describe_failure(name: str, where: str, kwargs: Mapping[str, Any]) -> str:
    """The note a failing node's exception gains: the node, where its function is defined, and
    its arguments' types."""
    arguments = ", ".join(
        f"{k}: {qualified_type_name(type(v))}" for k, v in kwargs.items()) or "none"
    return f"dataflow: while computing node {name!r} with {where}; argument types: {arguments}"
