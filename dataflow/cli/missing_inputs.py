"""A missing-inputs error, completed with the flags that would supply the values.

The library's message says ``inputs={...}``, which a command-line user cannot type; here it
gains ``--input NAME=VALUE`` for values a command line can hold and the ``.py`` context file for
the rest (DataFrames, Series, ...).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from dataflow.cli.context import Context
from dataflow.cli.errors import CliError
from dataflow.driver import Driver
from dataflow.errors import MissingInputsError
from dataflow.node import type_name
from dataflow.type_rules import value_matches

_TYPED_SAMPLES: tuple[Any, ...] = (0, 0.5, "text", True, [], {})
"""One value of each kind ``--input NAME=VALUE`` can produce."""


@contextlib.contextmanager
def explains_missing_inputs(dr: Driver, outputs: Sequence[str], context: Context) -> Iterator[None]:
    """Add to a missing-inputs error how to give those values on the command line."""
    try:
        yield
    except MissingInputsError as error:
        hint = missing_inputs_hint(dr, outputs, context, error)
        raise CliError(f"MissingInputsError: {error}\n{hint}") from None


def missing_inputs_hint(dr: Driver, outputs: Sequence[str], context: Context,
                        error: MissingInputsError) -> str:
    """The flags that would supply the missing inputs: ``--input NAME=VALUE`` for values a
    command line can hold (numbers, text, booleans, JSON lists and objects), a ``.py`` context
    file for the rest (DataFrames, Series, ...)."""
    provided = {*context.config, *context.inputs, *context.overrides}
    needed = [n for n in dr.inputs_needed(outputs) if n not in provided]
    missing = [n for n in needed if n in error.missing] or needed
    typed = [n for n in missing
             if any(value_matches(v, dr.graph.nodes[n].type) for v in _TYPED_SAMPLES)]
    built = [n for n in missing if n not in typed]
    lines = []
    if typed:
        flags = " ".join(f"--input {n}=VALUE" for n in typed)
        lines.append(f"On the command line add {flags} (VALUE is read as JSON, else as text; "
                     "--config KEY=VALUE works too),")
    if built:
        kinds = ", ".join(f"{n} ({type_name(dr.graph.nodes[n].type)})" for n in built)
        lines.append(f"{'or ' if typed else ''}build {kinds} in a .py context file "
                     f"(inputs = {{{built[0]!r}: ...}}) and pass --context ctx.py.")
    elif lines:
        lines.append("or put them under \"inputs\" in a --context file.")
    return "\n".join(lines)
