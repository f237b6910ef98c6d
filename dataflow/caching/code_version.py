"""Code versions: what a node computes, as a digest that ignores what does not change it.

A node's code version covers its name, the source of the function(s) it comes from with
comments, docstrings and whitespace left out (read through :mod:`ast`; the decorator lines are
part of the source, so their literal parameters count), the parameters of the decorators that
made it (the instructions recorded on the function, and the values the generated callable
closes over), so two different functions, or one function expanded into several nodes with
different parameters, never share a version (apache/hamilton#1242).

>>> code_version("a", None, ()) == code_version("b", None, ())  # names count
False
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import linecache
import os
import textwrap
import types
from collections.abc import Callable
from typing import Any

from dataflow.caching.fingerprinting import Unfingerprintable, data_version
from dataflow.instructions import instructions_of
from dataflow.source_parsing import parse

__all__ = ["code_version", "normalised_source"]

_DEPTH = 4


def normalised_source(fn: Callable[..., Any]) -> str:
    """``fn``'s source as an AST dump (no comments, docstrings, whitespace or line numbers);
    its bytecode and constants when the source cannot be read (built in a notebook cell that
    is gone, a lambda defined among other code, ...)."""
    target = inspect.unwrap(fn) if hasattr(fn, "__wrapped__") else fn
    code = getattr(target, "__code__", None)
    if code is None:
        return _bytecode(target)
    definitions = _definitions(code.co_filename)
    found = definitions.get(code.co_firstlineno)
    if found is None or found.name != code.co_name:
        return _parsed_alone(target)
    dumped = _DUMPS.get(id(found))
    if dumped is None or dumped[0] is not found:
        dumped = (found, _dump(found))
        _DUMPS[id(found)] = dumped
    return dumped[1]


_DUMPS: dict[int, tuple[Any, str]] = {}
"""The dump of each definition in :data:`_FILES`, made once (for every driver built on the
same version of a file)."""


def _parsed_alone(fn: Any) -> str:
    try:
        tree = parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return _bytecode(fn)
    return _dump(tree)


def _dump(tree: ast.AST) -> str:
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


_FILES: dict[str, tuple[tuple[float, int], dict[int, Any]]] = {}
"""Per source file: (its mtime and size, its function definitions by first line)."""


def _definitions(filename: str) -> dict[int, Any]:
    """The function definitions of a source file, docstrings removed, by the first line of
    each (its first decorator's, as ``co_firstlineno`` counts), parsed once per file version:
    reading each function's source apart costs a tokenizer pass per function."""
    try:
        stat = os.stat(filename)
    except OSError:
        return {}
    stamp = (stat.st_mtime, stat.st_size)
    cached = _FILES.get(filename)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    linecache.checkcache(filename)
    try:
        tree = parse("".join(linecache.getlines(filename)))
    except (SyntaxError, ValueError):
        return {}
    found: dict[int, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                node.body = body[1:] or [ast.Pass()]
            if not isinstance(node, ast.ClassDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                found[first] = node
    if cached is not None:  # the file changed: its old definitions' dumps go
        for node in cached[1].values():
            _DUMPS.pop(id(node), None)
    _FILES[filename] = (stamp, found)
    return found


def _bytecode(fn: Any) -> str:
    code = getattr(fn, "__code__", None)
    if code is None:
        return f"<{type(fn).__module__}.{type(fn).__qualname__}>"
    return _code_text(code)


def _code_text(code: types.CodeType) -> str:
    consts = [(_code_text(c) if isinstance(c, types.CodeType) else repr(c))
              for c in code.co_consts[1:] if not isinstance(c, str) or c != code.co_consts[0]]
    return f"{code.co_code.hex()}|{code.co_names}|{code.co_varnames}|{consts}"


def code_version(name: str, fn: Callable[..., Any] | None,
                 originating: tuple[Callable[..., Any], ...]) -> str:
    """The code version of node ``name`` computed by ``fn`` and defined by ``originating``."""
    digest = hashlib.sha256()
    digest.update(name.encode())
    seen: set[int] = set()
    for origin in originating:
        digest.update(b"\x00origin\x00" + normalised_source(origin).encode())
        for instruction in instructions_of(origin):
            digest.update(b"\x00instruction\x00" + _part(instruction, seen, 0).encode())
    if fn is not None and not any(fn is origin for origin in originating):
        digest.update(b"\x00callable\x00" + _part(fn, seen, 0).encode())
    return digest.hexdigest()


def _part(obj: Any, seen: set[int], depth: int) -> str:
    """A text standing for ``obj`` among a node's parameters: its value's data version when
    it has one, the normalised source of functions (and what they close over), and the type
    with its attributes for other objects, to a bounded depth."""
    if id(obj) in seen or depth > _DEPTH:
        return f"<{type(obj).__qualname__}>"
    seen.add(id(obj))
    try:
        if isinstance(obj, functools.partial):
            return (f"partial({_part(obj.func, seen, depth + 1)}, "
                    f"{[_part(a, seen, depth + 1) for a in obj.args]}, "
                    f"{ {k: _part(v, seen, depth + 1) for k, v in sorted(obj.keywords.items())} })")
        if isinstance(obj, (types.FunctionType, types.MethodType)):
            fn = obj.__func__ if isinstance(obj, types.MethodType) else obj
            cells = []
            for cell in fn.__closure__ or ():
                try:
                    cells.append(_part(cell.cell_contents, seen, depth + 1))
                except ValueError:  # an empty cell
                    cells.append("<empty>")
            defaults = [_part(d, seen, depth + 1) for d in fn.__defaults__ or ()]
            return f"fn({normalised_source(fn)}, {cells}, {defaults})"
        if isinstance(obj, type):
            return f"class {obj.__module__}.{obj.__qualname__}"
        if isinstance(obj, types.ModuleType):
            return f"module {obj.__name__}"
        if not hasattr(obj, "__dict__") or callable(getattr(obj, "__code__", None)):
            try:
                return data_version(obj)
            except Unfingerprintable:
                return f"<{type(obj).__module__}.{type(obj).__qualname__}>"
        state = {k: _part(v, seen, depth + 1) for k, v in sorted(vars(obj).items())}
        return f"{type(obj).__module__}.{type(obj).__qualname__}({state})"
    finally:
        seen.discard(id(obj))
