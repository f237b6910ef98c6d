"""Load a module twice: once as written, once ported to the other framework.

A user ports a Hamilton module by changing the import root (``hamilton`` → ``dataflow``) and
nothing else. The differential suite does exactly that, in both directions, without touching the
files: :func:`load_ported` reads a module's source, rewrites the framework root in its import
statements only, and executes it as a fresh module under a distinct name
(``<prefix>.<original dotted name>``), compiled with the real file name so tracebacks and
``file:line`` in error messages still point at the file.

Modules of the project that the loaded module imports (``tests.*``, ``examples.*``, relative
imports) are ported the same way under the same prefix, so a Hamilton twin never mixes in a
function decorated by dataflow through an imported helper module. Every load gets its own
prefix, so twins never share state with each other or with the normally imported originals.

>>> twin = load_ported("tests.core.sample_module", source_root="dataflow", target_root="hamilton")
>>> twin.__name__.endswith(".tests.core.sample_module")
True
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import itertools
import sys
import types
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

FRAMEWORK_ROOTS = ("dataflow", "hamilton")
PROJECT_ROOTS = ("tests", "examples")
"""Top-level packages of this repository: imports of them are ported along with the module."""

PREFIX_STEM = "_ported"
_counter = itertools.count()


def _renamed(dotted: str, old_root: str, new_root: str) -> str | None:
    """``dotted`` with its first component ``old_root`` replaced, or None when it has another
    root."""
    if dotted == old_root or dotted.startswith(old_root + "."):
        return new_root + dotted[len(old_root):]
    return None


class _ImportRewriter(ast.NodeTransformer):
    """Rewrites the roots of absolute import statements; every other node is left alone.

    ``import dataflow.x`` without ``as`` binds the name ``dataflow``; ported, it binds
    ``hamilton``, so references to the bare root name are renamed too (that is what a user
    porting such a module has to do by hand).
    """

    def __init__(self, renames: dict[str, str], relocate: Mapping[str, str]) -> None:
        self.renames = renames
        self.relocate = relocate
        self.bound_roots: dict[str, str] = {}

    def _port(self, dotted: str) -> str:
        for old, new in self.renames.items():
            renamed = _renamed(dotted, old, new)
            if renamed is not None:
                return renamed
        return dotted

    def visit_Import(self, node: ast.Import) -> ast.Import:
        for alias in node.names:
            ported = self._port(alias.name)
            if ported != alias.name and alias.asname is None:
                self.bound_roots[alias.name.split(".")[0]] = ported.split(".")[0]
            alias.name = ported
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> list[ast.ImportFrom]:
        if node.level != 0 or node.module is None:
            return [node]
        by_module: dict[str, list[ast.alias]] = {}
        for alias in node.names:
            home = self.relocate.get(f"{node.module}.{alias.name}", node.module)
            by_module.setdefault(home, []).append(alias)
        statements = []
        for home, names in by_module.items():
            statement = ast.ImportFrom(module=self._port(home), names=names, level=0)
            statements.append(ast.copy_location(statement, node))
        return statements


class _NameRenamer(ast.NodeTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id in self.names:
            node.id = self.names[node.id]
        return node


def _without(tree: ast.Module, names: Collection[str]) -> ast.Module:
    """``tree`` without the top-level definitions (functions, classes) named in ``names``."""
    if not names:
        return tree
    kept = [statement for statement in tree.body
            if not (isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                    and statement.name in names)]
    missing = set(names) - {s.name for s in tree.body if hasattr(s, "name")}
    if missing:
        raise ValueError(f"nothing named {sorted(missing)} to drop")
    tree.body = kept
    return tree


def ported_code(source: str, filename: str, renames: dict[str, str],
                drop: Collection[str] = (), relocate: Mapping[str, str] | None = None
                ) -> types.CodeType:
    """``source`` compiled with its import roots renamed (line numbers unchanged), without the
    top-level definitions named in ``drop``, and with the names in ``relocate``
    (``"package.module.name" -> "other.module"``, spelled with the source root) imported from
    their new module."""
    tree = _without(ast.parse(source, filename), drop)
    rewriter = _ImportRewriter(renames, relocate or {})
    tree = rewriter.visit(tree)
    bound = {old: new for old, new in rewriter.bound_roots.items() if old != new}
    if bound:
        if any(new.startswith(PREFIX_STEM) for new in bound.values()):
            raise NotImplementedError(
                f"{filename}: `import <project module>` without `as` is not ported; "
                "write `from package import module` instead")
        tree = _NameRenamer(bound).visit(tree)
    return compile(tree, filename, "exec", dont_inherit=True)


class _PortingFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``<prefix>.<original>`` modules: the original's source, ported."""

    def __init__(self, prefix: str, renames: dict[str, str],
                 drop: Mapping[str, Collection[str]], relocate: Mapping[str, str]) -> None:
        self.prefix = prefix
        self.renames = renames
        self.drop = drop
        self.relocate = relocate

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname == self.prefix:
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        if not fullname.startswith(self.prefix + "."):
            return None
        original = importlib.util.find_spec(fullname[len(self.prefix) + 1:])
        if original is None or original.origin is None or not original.origin.endswith(".py"):
            return None
        spec = importlib.util.spec_from_file_location(
            fullname, original.origin, loader=self,
            submodule_search_locations=[] if original.submodule_search_locations is not None
            else None)
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        spec = module.__spec__
        if spec is None or spec.origin is None or not spec.has_location:
            return  # the prefix package itself: empty
        original = module.__name__[len(self.prefix) + 1:]
        code = ported_code(Path(spec.origin).read_text(), spec.origin, self.renames,
                           self.drop.get(original, ()), self.relocate)
        exec(code, module.__dict__)


def _renames(source_root: str, target_root: str, prefix: str) -> dict[str, str]:
    renames = {source_root: target_root}
    for root in PROJECT_ROOTS:
        renames[root] = f"{prefix}.{root}"
    return renames


def new_prefix(target_root: str) -> str:
    return f"{PREFIX_STEM}_{target_root}_{next(_counter)}"


@contextmanager
def porting(source_root: str, target_root: str, prefix: str = "",
            drop: Mapping[str, Collection[str]] | None = None,
            relocate: Mapping[str, str] | None = None) -> Iterator[str]:
    """While active, ``import <prefix>.<module>`` loads ``<module>`` ported from
    ``source_root`` to ``target_root``; yields the prefix (a new one unless given). ``drop``
    maps a module's dotted name to top-level definitions left out of its copy (a feature one
    framework lacks, so the rest of the module can still be compared); ``relocate`` moves
    imported names to another module (see :func:`ported_code`). The ported modules stay
    in ``sys.modules`` afterwards (drivers keep needing them), under names nobody else uses."""
    if source_root not in FRAMEWORK_ROOTS or target_root not in FRAMEWORK_ROOTS:
        raise ValueError(f"roots must be among {FRAMEWORK_ROOTS}")
    prefix = prefix or new_prefix(target_root)
    finder = _PortingFinder(prefix, _renames(source_root, target_root, prefix), drop or {},
                            relocate or {})
    sys.meta_path.insert(0, finder)
    try:
        yield prefix
    finally:
        sys.meta_path.remove(finder)


def load_ported(*module_names: str, source_root: str, target_root: str,
                drop: Mapping[str, Collection[str]] | None = None,
                relocate: Mapping[str, str] | None = None
                ) -> list[types.ModuleType] | types.ModuleType:
    """Fresh copies of ``module_names`` (dotted names of files in this repository), ported from
    ``source_root`` to ``target_root`` (the same root gives a fresh, unported copy). One name
    gives one module, several give a list sharing one prefix (so they import each other's
    copies). ``drop`` and ``relocate``: see :func:`porting`."""
    with porting(source_root, target_root, drop=drop, relocate=relocate) as prefix:
        modules = [importlib.import_module(f"{prefix}.{name}") for name in module_names]
    return modules[0] if len(modules) == 1 else modules


def load_source(source: str, filename: str, *, source_root: str, target_root: str,
                stem: str = "module") -> types.ModuleType:
    """A module made from ``source`` (kept in ``filename`` for tracebacks), ported from
    ``source_root`` to ``target_root``, named ``<new prefix>.<stem>`` and registered in
    ``sys.modules`` (so postponed annotations resolve)."""
    prefix = new_prefix(target_root)
    code = ported_code(source, filename, _renames(source_root, target_root, prefix))
    with porting(source_root, target_root, prefix):
        package = importlib.import_module(prefix)
        module = types.ModuleType(f"{prefix}.{stem}")
        module.__file__ = filename
        sys.modules[module.__name__] = module
        setattr(package, stem, module)
        exec(code, module.__dict__)
    return module


def unload(prefix_or_module: str) -> None:
    """Forget a loaded module, or every module under a prefix (frees memory in long runs)."""
    for name in [n for n in sys.modules
                 if n == prefix_or_module or n.startswith(prefix_or_module + ".")]:
        del sys.modules[name]
