"""The exceptions dataflow raises, and the small helpers that make their messages useful.

Every error subclasses :class:`ValueError` (as Hamilton's do) so ported ``except ValueError``
blocks keep working, and says what was wrong, where (node, function, ``file:line``) and what to do.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterable


class DataflowError(ValueError):
    """Base class of every error dataflow raises about user graphs and requests."""


class GraphBuildError(DataflowError):
    """The functions given to the driver do not form a valid graph."""


class DuplicateNodeError(GraphBuildError):
    """Two functions define the same node."""


class CycleError(GraphBuildError):
    """The graph has a cycle; the message prints it."""


class EdgeTypeError(GraphBuildError):
    """A function's output type does not satisfy the annotation of a parameter that consumes it."""


class InvalidFunctionError(GraphBuildError):
    """A function cannot define a node (``*args``, positional-only parameters, ...)."""


class DecoratorError(GraphBuildError):
    """A decorator was misused; the message names the decorator, the function and file:line."""


class RequestError(DataflowError):
    """An ``execute`` request cannot be planned."""


class MissingInputsError(RequestError):
    """Required external inputs were not supplied; :attr:`missing` maps each missing input to
    the nodes that need it (``"(requested output)"`` when it was requested itself)."""

    def __init__(self, message: str, missing: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.missing: dict[str, list[str]] = dict(missing or {})

    def __reduce__(self) -> tuple[type, tuple[str, dict[str, list[str]]]]:
        return (type(self), (str(self), self.missing))


class UnknownOutputError(RequestError):
    """A requested output names no node in the graph."""


class InputTypeError(RequestError):
    """An input (or override) has a type its consumers do not accept."""


def close_names(name: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """Names among ``candidates`` that look like ``name`` (for did-you-mean hints)."""
    pool = list(candidates)
    found = difflib.get_close_matches(name, pool, n=limit, cutoff=0.6)
    if not found:
        lowered = name.lower()
        found = [c for c in pool if lowered in c.lower() or c.lower() in lowered][:limit]
    return found


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """``" Did you mean 'x' or 'y'?"`` or the empty string."""
    found = close_names(name, candidates)
    if not found:
        return ""
    return " Did you mean " + " or ".join(repr(f) for f in found) + "?"


class InputIgnoredWarning(UserWarning):
    """An input was given for a node that a function computes; the function wins (as in
    Hamilton). Pass the value in ``overrides`` to replace the node instead."""


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def caller_stacklevel() -> int:
    """The ``stacklevel`` for :func:`warnings.warn` that points at the first frame outside the
    dataflow package (the user's call), whichever public method the warning came through."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level
