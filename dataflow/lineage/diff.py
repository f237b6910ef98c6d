"""What changed in a dataflow between two versions of its modules.

Nodes are compared by name; a node present in both is *changed* when the normalised source of
the function that defines it differs (``ast.dump`` of the parsed function, docstring removed,
so whitespace, comments and docstring edits do not count) or when its type or dependencies
differ.

:func:`diff_with_revision` is the whole job — the graph of some modules now against their graph
at a git revision, which ``dataflow diff`` prints — built from the parts below:
:func:`source_at_revision` reads an old version of a file with ``git show``,
:func:`normalised_functions` and :func:`graph_diff` compare, :func:`diff_digraph` draws.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz

from dataflow.build import graph_from_modules
from dataflow.errors import DataflowError, did_you_mean
from dataflow.graph import Graph, build_graph
from dataflow.lineage.errors import LineageError
from dataflow.lineage.output import write_picture
from dataflow.lineage.render import ViewOptions, lineage_digraph
from dataflow.node import Node, type_name
from dataflow.source_parsing import parse


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
        tree = parse(source, filename=filename)
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
    verified = subprocess.run(["git", "-C", root, "rev-parse", "--verify", "--quiet",
                               f"{ref}^{{commit}}"], capture_output=True, text=True, check=False)
    if verified.returncode != 0:
        refs = _git(file.parent, "for-each-ref", "--format=%(refname:short)").split()
        raise LineageError(f"git revision {ref!r} does not exist in {root}."
                           f"{did_you_mean(ref, ['HEAD', *refs])} Give a branch, a tag, a "
                           "commit sha or HEAD~N (git log --oneline lists the commits).")
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


@dataclass(frozen=True, slots=True)
class RevisionDiff:
    """The graph of some modules at a git revision (``old``) and now (``new``), and what changed
    between them (``changes``: prints as ``+``/``-``/``~`` lines, ``as_dict()`` for JSON)."""

    git_ref: str
    old: Graph
    new: Graph
    changes: GraphDiff

    def digraph(self, options: ViewOptions | None = None) -> graphviz.Digraph:
        """The new graph plus the removed nodes, coloured added / removed / changed."""
        return diff_digraph(self.old, self.new, self.changes, options)

    def write_picture(self, path: str | os.PathLike[str],
                      options: ViewOptions | None = None) -> Path:
        """Draw :meth:`digraph` to ``path`` (the suffix picks the format) and return it."""
        return write_picture(self.digraph(options), path)


def diff_with_revision(modules: Sequence[types.ModuleType], git_ref: str,
                       config: Mapping[str, Any] | None = None) -> RevisionDiff:
    """Nodes of ``modules`` (built with ``config``) added, removed and changed since git
    revision ``git_ref`` (``"HEAD"``, a branch, a sha): a code review of a feature change in
    terms of the nodes it touches, as ``dataflow diff`` prints it.

    Each module's file is read at ``git_ref`` with ``git show`` and run as a fresh module (the
    working tree is untouched; its imports resolve against the current environment); a module
    whose file did not exist then contributes only added nodes. Raises :class:`LineageError`
    when a file is outside a git work tree, the revision does not exist, or the old version
    does not import or build.

    >>> import features  # doctest: +SKIP
    >>> diff = diff_with_revision([features], "HEAD")  # doctest: +SKIP
    >>> print(diff.changes)  # doctest: +SKIP
    + signups_clean
    - signups
    ~ spend_per_signup
    """
    if isinstance(modules, types.ModuleType):
        raise TypeError(f"diff_with_revision takes a list of modules, got the module "
                        f"{modules.__name__}: diff_with_revision([{modules.__name__}], "
                        f"{git_ref!r}).")
    new_graph = graph_from_modules(modules, config)
    old_sources: list[tuple[types.ModuleType, str]] = []
    old_functions: dict[str, str] = {}
    new_functions: dict[str, str] = {}
    for module in modules:
        file = getattr(module, "__file__", None)
        if not file:
            raise LineageError(f"Module {module.__name__} has no source file to compare with "
                               f"git revision {git_ref!r}.")
        new_functions.update(normalised_functions(Path(file).read_text(), file))
        old_source = source_at_revision(file, git_ref)
        if old_source is not None:
            old_functions.update(normalised_functions(old_source, f"{git_ref}:{file}"))
            old_sources.append((module, old_source))
    old_graph = _graph_at_revision(old_sources, git_ref, config) if old_sources \
        else build_graph([])
    changes = graph_diff(old_graph, new_graph, old_functions, new_functions)
    return RevisionDiff(git_ref, old_graph, new_graph, changes)


def _graph_at_revision(sources: Sequence[tuple[types.ModuleType, str]], git_ref: str,
                       config: Mapping[str, Any] | None) -> Graph:
    """Run each old source as a fresh module named ``module@git_ref`` (registered in
    ``sys.modules`` only while the graph is built) and build their graph."""
    names = [f"{module.__name__}@{git_ref}" for module, _ in sources]
    saved = {name: sys.modules[name] for name in names if name in sys.modules}
    try:
        old_modules = [_run_old_source(source, module, name, git_ref)
                       for (module, source), name in zip(sources, names)]
        try:
            return graph_from_modules(old_modules, config)
        except DataflowError as error:
            listed = ", ".join(m.__name__ for m, _ in sources)
            raise LineageError(f"The modules {listed} at git revision {git_ref!r} do not build "
                               f"into a graph: {type(error).__name__}: {error}") from error
    finally:
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def _run_old_source(source: str, module: types.ModuleType, name: str,
                    git_ref: str) -> types.ModuleType:
    old = types.ModuleType(name)
    old.__file__ = module.__file__
    old.__package__ = module.__package__
    sys.modules[name] = old
    try:
        exec(compile(source, f"{git_ref}:{module.__file__}", "exec"), old.__dict__)
    except Exception as error:
        raise LineageError(f"The version of {module.__name__} at git revision {git_ref!r} "
                           f"({module.__file__}) failed to import: {type(error).__name__}: "
                           f"{error}. Its imports resolve against the current environment.") \
            from error
    return old
