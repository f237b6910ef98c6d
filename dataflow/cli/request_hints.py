"""A request's errors, completed with what to type on the command line.

The library's messages say ``inputs={...}``, which a command-line user cannot type. Here a
missing input gains the ``--input NAME=VALUE`` that would supply it (a ``.py`` context file for
DataFrames, Series and the like) and the given names that look like it misspelt; a value of
the wrong type that the command line read as text says how to write it as a number, a boolean
or a list; an ``--input`` that no node reads is pointed out with its close names.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from dataflow.cli.context import Context
from dataflow.cli.errors import CliError, command_line_terms
from dataflow.driver import Driver
from dataflow.errors import InputTypeError, MissingInputsError, close_names, did_you_mean
from dataflow.node import type_name
from dataflow.type_rules import value_matches

_TYPED_SAMPLES: tuple[tuple[Any, str], ...] = (
    (3, "3"), (2.5, "2.5"), (True, "true"), ([1, 2], "[1,2]"), ({"a": 1}, '{"a":1}'),
    ("text", "text"))
"""One value of each kind ``--input NAME=VALUE`` can produce, with how to write it."""


@contextlib.contextmanager
def explains_request_errors(dr: Driver, outputs: Sequence[str],
                            context: Context) -> Iterator[None]:
    """Add to a missing-input or input-type error how to give the values on the command
    line."""
    try:
        yield
    except MissingInputsError as error:
        hint = missing_inputs_hint(dr, outputs, context, error)
        raise CliError(f"MissingInputsError: {command_line_terms(str(error))}\n{hint}") \
            from None
    except InputTypeError as error:
        hint = text_values_hint(dr, context)
        raise CliError(f"InputTypeError: {command_line_terms(str(error))}"
                       + (f"\n{hint}" if hint else "")) from None


def missing_inputs_hint(dr: Driver, outputs: Sequence[str], context: Context,
                        error: MissingInputsError) -> str:
    """The flags that would supply the missing inputs: ``--input NAME=VALUE`` for values a
    command line can hold (numbers, text, booleans, JSON lists and objects), a ``.py`` context
    file for the rest (DataFrames, Series, ...); then the config keys no function reads that
    look like a missing one (``--config n_store=2`` for ``n_stores``)."""
    provided = {*context.config, *context.inputs, *context.overrides}
    needed = [n for n in dr.inputs_needed(outputs) if n not in provided]
    missing = [n for n in needed if n in error.missing] or needed
    typed = [n for n in missing
             if any(value_matches(v, dr.graph.nodes[n].type) for v, _ in _TYPED_SAMPLES)]
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
    # the library's message names inputs that look like a missing one; config it does not
    unread = [n for n in sorted(context.config) if not dr.graph.dependents.get(n)]
    for name in unread:
        meant = close_names(name, missing, limit=1)
        if meant:
            lines.append(f"{name!r} is given as config, but no function takes it as a "
                         f"parameter: did you mean {meant[0]!r}?")
    return "\n".join(lines)


def text_values_hint(dr: Driver, context: Context) -> str:
    """For each value the command line read as text (``--input n_stores=two``) where its node
    takes something else: how to write that kind of value."""
    lines = []
    for flag, values in (("--config", context.config), ("--input", context.inputs)):
        for name, value in values.items():
            node = dr.graph.nodes.get(name)
            if node is None or not isinstance(value, str) or value_matches(value, node.type):
                continue
            written = [text for sample, text in _TYPED_SAMPLES if value_matches(sample, node.type)]
            key = "inputs" if flag == "--input" else "config"
            how = (f"write one as JSON, e.g. {flag} {name}={written[0]}" if written else
                   f"build it in a .py context file ({key} = {{{name!r}: ...}}) and pass "
                   "--context ctx.py")
            lines.append(f"{name} is the text {value!r}, but {name} takes "
                         f"{type_name(node.type)}: {how}.")
    return "\n".join(lines)


def unread_inputs(dr: Driver, names: Sequence[str], outputs: Sequence[str]) -> list[str]:
    """Notes for ``--input`` names that no node of the graph reads and no output requests
    (most likely misspelt: the value would be ignored)."""
    return [f"--input {name}=... is read by no node of this graph, so it is ignored."
            f"{did_you_mean(name, dr.graph.nodes)}"
            for name in dict.fromkeys(names) if name not in dr.graph.nodes and name not in outputs]
