"""The values of a command: ``config``, ``inputs``, ``overrides`` and ``final_vars``.

They come from a context file (JSON, or ``.py`` for values such as DataFrames that JSON cannot
hold; Hamilton's ``HAMILTON_*`` names are accepted) and from ``--config KEY=VALUE``,
``--input NAME=VALUE`` and ``--final-vars``; the command line wins. Every mistake in them
(a misspelt key, a value of the wrong shape) is refused here, before any graph is built.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataflow.cli.errors import CliError
from dataflow.cli.modules import failing_line
from dataflow.errors import did_you_mean

CONTEXT_KEYS = ("config", "inputs", "overrides", "final_vars")
HAMILTON_KEYS = {f"HAMILTON_{key.upper()}": key for key in CONTEXT_KEYS}
ACCEPTED_KEYS = (*CONTEXT_KEYS, *HAMILTON_KEYS)


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
    if file.is_dir():
        raise CliError(f"Context file {path!r} is a directory; give a .json or .py file.")
    if not file.is_file():
        siblings = [p.name for p in file.parent.glob("*") if p.suffix in (".json", ".py")] \
            if file.parent.is_dir() else []
        close = difflib.get_close_matches(file.name, sorted(siblings), n=3, cutoff=0.75)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise CliError(f"Context file {path!r} does not exist.{hint}")
    if file.suffix == ".py":
        raw = _read_python_context(file, path)
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
            named = ", ".join(_with_suggestion(key, ACCEPTED_KEYS) for key in unknown)
            raise CliError(f"Context file {path} has unknown keys {named}; accepted: "
                           f"{', '.join(CONTEXT_KEYS)} (or {', '.join(HAMILTON_KEYS)}).")
    else:
        raise CliError(f"Context file {path!r} must end in .json or .py.")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None:  # as in Hamilton's CLI: a key set to None is an empty one
            continue
        name = HAMILTON_KEYS.get(key, key)
        if name in values:
            raise CliError(f"Context file {path} gives {name!r} twice (as {name} and "
                           f"HAMILTON_{name.upper()}); keep one.")
        values[name] = value
    for name in ("config", "inputs", "overrides"):
        if not isinstance(values.get(name, {}), dict):
            raise CliError(f"{name!r} in {path} must be a mapping of names to values, not "
                           f"{type(values[name]).__name__} {values[name]!r:.60}.")
    final_vars = values.get("final_vars", [])
    if isinstance(final_vars, str):
        raise CliError(f"'final_vars' in {path} must be a list of node names: "
                       f"[{final_vars!r}], not {final_vars!r}.")
    if not isinstance(final_vars, (list, tuple)) or \
            not all(isinstance(n, str) for n in final_vars):
        raise CliError(f"'final_vars' in {path} must be a list of node names, not "
                       f"{final_vars!r:.60}.")
    return Context(dict(values.get("config", {})), dict(values.get("inputs", {})),
                   dict(values.get("overrides", {})), list(final_vars))


def _with_suggestion(key: str, accepted: Sequence[str]) -> str:
    hint = did_you_mean(key, accepted)
    return f"{key!r} ({hint.strip()[0].lower()}{hint.strip()[1:]})" if hint else repr(key)


def _read_python_context(file: Path, path: str) -> dict[str, Any]:
    """Run a ``.py`` context file and take its variables named like context keys; refuse a
    file that defines none of them, or a name that looks like a misspelt key (``input``,
    ``CONFIG``), which would otherwise be ignored without a word."""
    namespace: dict[str, Any] = {"__file__": str(file), "__name__": "dataflow_context"}
    try:
        exec(compile(file.read_text(), str(file), "exec"), namespace)
    except Exception as error:
        where = failing_line(error)
        raise CliError(f"Context file {path} failed to run{f' at {where}' if where else ''}: "
                       f"{type(error).__name__}: {error}") from None
    raw = {k: v for k, v in namespace.items() if k in ACCEPTED_KEYS}
    defined = {HAMILTON_KEYS.get(k, k) for k in raw}
    absent = [key for key in ACCEPTED_KEYS if HAMILTON_KEYS.get(key, key) not in defined]
    for name, value in namespace.items():
        if name.startswith("_") or name in raw or not isinstance(value, (dict, list)):
            continue
        meant = misspelt_key(name, absent)
        if meant is not None:
            raise CliError(f"Context file {path} defines {name!r}, which is not read: did you "
                           f"mean {meant!r}? A .py context file is read for "
                           f"{', '.join(CONTEXT_KEYS)} (or {', '.join(HAMILTON_KEYS)}).")
    if not raw:
        raise CliError(f"Context file {path} defines none of {', '.join(CONTEXT_KEYS)} (or "
                       f"{', '.join(HAMILTON_KEYS)}), so nothing would be read from it.")
    return raw


def misspelt_key(name: str, keys: Sequence[str]) -> str | None:
    """The key ``name`` misspells, if it is that close to one (case aside); a helper variable
    such as ``inputs_frame`` or ``rows`` is not.

    >>> misspelt_key("input", CONTEXT_KEYS), misspelt_key("CONFIG", CONTEXT_KEYS)
    ('inputs', 'config')
    >>> misspelt_key("inputs_frame", CONTEXT_KEYS) is None, misspelt_key("rows", CONTEXT_KEYS)
    (True, None)
    """
    scored = [(difflib.SequenceMatcher(None, name.lower(), key.lower()).ratio(), key)
              for key in keys]
    best = max(scored, default=(0.0, ""))
    return best[1] if best[0] >= 0.85 else None


def with_command_line(context: Context, config: Sequence[str] = (), inputs: Sequence[str] = (),
                      final_vars: Sequence[str] = ()) -> Context:
    """The context file's values, updated by ``--config KEY=VALUE``, ``--input NAME=VALUE``
    and ``--final-vars`` (the command line wins). A name given both as config and as an input
    is refused here, naming where each came from (the library would say ``inputs=``)."""
    config_given = dict(parse_assignment(item, "--config") for item in config)
    inputs_given = dict(parse_assignment(item, "--input") for item in inputs)
    merged = Context({**context.config, **config_given}, {**context.inputs, **inputs_given},
                     dict(context.overrides), list(final_vars) or list(context.final_vars))
    clash = [name for name in merged.config if name in merged.inputs]
    if clash:
        name = clash[0]
        as_config = f"--config {name}=..." if name in config_given else \
            "config in the context file"
        as_input = f"--input {name}=..." if name in inputs_given else \
            "inputs in the context file"
        raise CliError(f"{name!r} is given both as config ({as_config}) and as an input "
                       f"({as_input}). Give it once: a config value reaches the functions "
                       "that take it as a parameter, like an input.")
    return merged


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
