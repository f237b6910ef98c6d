"""Reading a config file: Jinja first, then YAML that remembers the line of every key.

A config file is rendered with Jinja (variables from the caller, plus ``env``), then parsed
with PyYAML's composer, which keeps each node's position; :func:`load_yaml` returns the plain
data together with a map from key paths (``("dependencies", 0, "file")``) to line numbers, so a
validation error can say ``model.yaml, line 7, key dependencies[0].file``.

>>> data, lines = load_text("a: 1\\nb:\\n  c: 2\\n", "x.yaml")
>>> data, lines[("b", "c")]
({'a': 1, 'b': {'c': 2}}, 3)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["ConfigError", "Lines", "load_text", "load_yaml", "render"]

Lines = dict[tuple[Any, ...], int]
"""Key path → 1-based line number of that key (or list item) in the rendered file."""


class ConfigError(ValueError):
    """A config file is wrong: the message names the file, the line and the key."""

    def __init__(self, message: str, path: str | os.PathLike[str] | None = None,
                 line: int | None = None, key: str | None = None) -> None:
        where = []
        if path is not None:
            where.append(str(path))
        if line is not None:
            where.append(f"line {line}")
        if key:
            where.append(f"key {key}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.path, self.line, self.key = path, line, key


def render(text: str, path: str | os.PathLike[str],
           variables: Mapping[str, Any] | None = None) -> str:
    """``text`` rendered by Jinja with ``variables`` and ``env`` (the environment); an undefined
    variable is an error naming the file and line."""
    import jinja2

    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    try:
        template = environment.from_string(text)
        return template.render({"env": dict(os.environ), **(variables or {})})
    except jinja2.TemplateSyntaxError as error:
        raise ConfigError(f"Jinja syntax error: {error.message}", path, error.lineno) from None
    except jinja2.UndefinedError as error:
        raise ConfigError(f"Jinja: {error.message} (pass it as a template variable)",
                          path) from None


def load_text(text: str, path: str | os.PathLike[str]) -> tuple[Any, Lines]:
    """Parse YAML ``text`` into plain data and the line of every key path."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ConfigError(f"not valid YAML: {getattr(error, 'problem', error)}", path,
                          mark.line + 1 if mark is not None else None) from None
    lines: Lines = {}
    if root is None:
        return {}, lines
    loader = yaml.SafeLoader("")
    try:
        data = _construct(root, (), lines, loader)
    finally:
        loader.dispose()
    return data, lines


def _construct(node: Any, key_path: tuple[Any, ...], lines: Lines, loader: Any) -> Any:
    import yaml

    lines.setdefault(key_path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            where = (*key_path, key)
            lines[where] = key_node.start_mark.line + 1
            out[key] = _construct(value_node, where, lines, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*key_path, i), lines, loader)
                for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def load_yaml(path: str | os.PathLike[str],
              variables: Mapping[str, Any] | None = None) -> tuple[Any, Lines]:
    """Read, render and parse the config file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("no such config file", path) from None
    return load_text(render(text, path, variables), path)
