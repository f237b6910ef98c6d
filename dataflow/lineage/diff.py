"""What changed in a dataflow between two versions of its modules.

Nodes are compared by name; a node present in both is *changed* when the normalised source of
the function that defines it differs (``ast.dump`` of the parsed function, docstring removed,
so whitespace, comments and docstring edits do not count) or when its type or dependencies
differ. :func:`source_at_revision` reads an old version of a file with ``git show``.
"""

from __future__ import annotations

import ast
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz

from dataflow.graph import Graph
from dataflow.lineage.errors import LineageError
from dataflow.lineage.render import ViewOptions, lineage_digraph
from dataflow.node import Node, type_name


@dataclass(frozen=True)
class GraphDiff:
    """Node names added, removed and changed between an old and a new graph."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"added": list(self.added), "removed": list(self.removed),
                "changed": list(self.changed), "unchanged": list(self.unchanged)}

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def __str__(self) -> str:
        lines: list[str] = []
        for mark, names in (("+", self.added), ("-", self.removed), ("~", self.changed)):
            lines.extend(f"{mark} {name}" for name in names)
        return "\n".join(lines) if lines else "no node changed"


def normalised_functions(source: str, filename: str = "<source>") -> dict[str, str]:
    """``function name -> ast.dump`` of every top-level function in ``source`` (docstrings
    dropped, so only code, signature and decorators count).

    >>> a = normalised_functions("def f(x):\\n    '''doc'''\\n    return x  # note\\n")
    >>> a == normalised_functions("def f(x):\\n\\n    return (x)\\n")
    True
    """
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as error:
        raise LineageError(f"Cannot parse {filename}: {error}") from None
    found: dict[str, str] = {}
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = statement.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                statement.body = body[1:] or [ast.Pass()]
            found[statement.name] = ast.dump(statement, annotate_fields=False)
    return found


def _function_name(node: Node) -> str | None:
    if node.originating_functions:
        return getattr(node.originating_functions[0], "__name__", None)
    if node.origin is not None:
        return node.origin.function.rsplit(".", 1)[-1]
    return None


def _signature(node: Node) -> tuple[Any, ...]:
    return (type_name(node.type), node.role, tuple((d.name, type_name(d.type), d.optional)
                                                   for d in node.dependencies))


def graph_diff(old: Graph, new: Graph, old_functions: Mapping[str, str],
               new_functions: Mapping[str, str]) -> GraphDiff:
    """Compare two graphs; ``*_functions`` map function names to normalised source."""
    added = tuple(n for n in new.nodes if n not in old.nodes)
    removed = tuple(n for n in old.nodes if n not in new.nodes)
    changed: list[str] = []
    unchanged: list[str] = []
    for name in new.nodes:
        if name not in old.nodes:
            continue
        before, after = old.nodes[name], new.nodes[name]
        old_fn, new_fn = _function_name(before), _function_name(after)
        code_changed = (old_functions.get(old_fn or "") != new_functions.get(new_fn or ""))
        if code_changed or _signature(before) != _signature(after):
            changed.append(name)
        else:
            unchanged.append(name)
    return GraphDiff(added, removed, tuple(changed), tuple(unchanged))


def diff_digraph(old: Graph, new: Graph, diff: GraphDiff,
                 options: ViewOptions | None = None) -> graphviz.Digraph:
    """The new graph plus the removed nodes, coloured added / removed / changed."""
    marks = {**dict.fromkeys(diff.added, "added"), **dict.fromkeys(diff.removed, "removed"),
             **dict.fromkeys(diff.changed, "changed")}
    nodes = [*new.nodes.values(), *(old.nodes[n] for n in diff.removed)]
    return lineage_digraph(nodes, marks=marks, options=options)


def source_at_revision(path: str | Path, ref: str) -> str | None:
    """The text of ``path`` at git revision ``ref`` (``None`` if the file did not exist then).

    Raises :class:`LineageError` when ``path`` is not in a git work tree or ``ref`` is unknown.
    """
    file = Path(path).resolve()
    root = _git(file.parent, "rev-parse", "--show-toplevel").strip()
    relative = file.relative_to(Path(root).resolve()).as_posix()
    _git(file.parent, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}",
         failure=f"git revision {ref!r} does not exist in {root}")
    result = subprocess.run(["git", "-C", root, "show", f"{ref}:{relative}"],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return None
    return result.stdout


def _git(directory: Path, *args: str, failure: str | None = None) -> str:
    try:
        result = subprocess.run(["git", "-C", str(directory), *args], capture_output=True,
                                text=True, check=False)
    except FileNotFoundError:
        raise LineageError("The 'git' program is not on PATH; dataflow diff needs it.") from None
    if result.returncode != 0:
        message = failure or f"{directory} is not inside a git work tree"
        raise LineageError(f"{message} ({result.stderr.strip() or 'git ' + ' '.join(args)}).")
    return result.stdout
