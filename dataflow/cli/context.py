"""The values of a command: ``config``, ``inputs``, ``overrides`` and ``final_vars``.

They come from a context file (JSON, or ``.py`` for values such as DataFrames that JSON cannot
hold; Hamilton's ``HAMILTON_*`` names are accepted) and from ``--config KEY=VALUE``,
``--input NAME=VALUE`` and ``--final-vars``; the command line wins. Every mistake in them
(a misspelt key, a value of the wrong shape) is refused here, before any graph is built.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataflow.cli.errors import CliError

CONTEXT_KEYS = ("config", "inputs", "overrides", "final_vars")
HAMILTON_KEYS = {f"HAMILTON_{key.upper()}": key for key in CONTEXT_KEYS}


@dataclass
class Context:
    """What a context file holds."""

    config: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)
    final_vars: list[str] = field(default_factory=list)


def load_context(path: str | None) -> Context:
    """Read a JSON or ``.py`` context file (``None`` gives an empty context)."""
    if path is None:
        return Context()
    file = Path(path)
    if not file.is_file():
        raise CliError(f"Context file {path!r} does not exist.")
    if file.suffix == ".py":
        namespace: dict[str, Any] = {"__file__": str(file), "__name__": "dataflow_context"}
        try:
            exec(compile(file.read_text(), str(file), "exec"), namespace)
        except Exception as error:
            raise CliError(f"Context file {path} failed to run: {type(error).__name__}: "
                           f"{error}") from None
        raw = {k: v for k, v in namespace.items() if k in CONTEXT_KEYS or k in HAMILTON_KEYS}
    elif file.suffix == ".json":
        try:
            raw = json.loads(file.read_text())
        except json.JSONDecodeError as error:
            raise CliError(f"Context file {path} is not valid JSON: {error}") from None
        if not isinstance(raw, dict):
            raise CliError(f"Context file {path} must hold a JSON object with keys "
                           f"{', '.join(CONTEXT_KEYS)}.")
        unknown = sorted(set(raw) - set(CONTEXT_KEYS) - set(HAMILTON_KEYS))
        if unknown:
            raise CliError(f"Context file {path} has unknown keys {unknown}; accepted: "
                           f"{', '.join(CONTEXT_KEYS)} (or {', '.join(HAMILTON_KEYS)}).")
    else:
        raise CliError(f"Context file {path!r} must end in .json or .py.")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = HAMILTON_KEYS.get(key, key)
        if name in values:
            raise CliError(f"Context file {path} gives {name!r} twice (as {name} and "
                           f"HAMILTON_{name.upper()}); keep one.")
        values[name] = value
    for name in ("config", "inputs", "overrides"):
        if not isinstance(values.get(name, {}), dict):
            raise CliError(f"{name!r} in {path} must be a mapping of names to values.")
    final_vars = values.get("final_vars", [])
    if isinstance(final_vars, str) or not isinstance(final_vars, list):
        raise CliError(f"'final_vars' in {path} must be a list of node names.")
    return Context(dict(values.get("config", {})), dict(values.get("inputs", {})),
                   dict(values.get("overrides", {})), list(final_vars))


def with_command_line(context: Context, config: Sequence[str] = (), inputs: Sequence[str] = (),
                      final_vars: Sequence[str] = ()) -> Context:
    """The context file's values, updated by ``--config KEY=VALUE``, ``--input NAME=VALUE``
    and ``--final-vars`` (the command line wins)."""
    return Context(
        {**context.config, **dict(parse_assignment(item, "--config") for item in config)},
        {**context.inputs, **dict(parse_assignment(item, "--input") for item in inputs)},
        dict(context.overrides),
        list(final_vars) or list(context.final_vars),
    )


def parse_assignment(item: str, flag: str) -> tuple[str, Any]:
    """``NAME=VALUE`` → ``(NAME, value)``: VALUE read as JSON (``3``, ``2.5``, ``true``,
    ``[1, 2]``, ``"text"``), else taken as text.

    >>> parse_assignment("n_days=30", "--input"), parse_assignment("region=north", "--input")
    (('n_days', 30), ('region', 'north'))
    """
    name, sep, text = item.partition("=")
    if not sep or not name:
        raise CliError(f"{flag} {item!r}: write {flag} NAME=VALUE (VALUE is read as JSON, "
                       "else as text).")
    try:
        return name, json.loads(text)
    except json.JSONDecodeError:
        return name, text
