"""What a saved model is, derived without asking: its environment, schemas, statistics, code and
provenance. Every function here returns plain JSON-ready values (they are stored as JSON)."""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import functools
import getpass
import importlib.metadata
import inspect
import itertools
import math
import os
import platform
import socket
import sys
import types
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from dataflow.envelope.query import a_type
from dataflow.source_parsing import parse

ALWAYS_NEEDED = ("pandas", "cloudpickle")
"""Distributions every loaded model needs: the frames it is called with and the unpickler of
functions saved by value."""


# --- environment -------------------------------------------------------------------------------

def _top(module_name: str | None) -> str | None:
    return module_name.partition(".")[0] if module_name else None


def modules_used_by(model: Any, code: Iterable[types.ModuleType] = ()) -> set[str]:
    """Top-level names of the modules the model's code uses: the modules defining it and what
    its functions reference (globals that are modules or come from modules, closures), the
    classes of the objects it holds, and every import statement in the ``code`` modules."""
    found: set[str] = set()
    seen: set[int] = set()

    def visit(obj: Any, depth: int) -> None:
        if depth > 4 or id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, types.ModuleType):
            found.add(_top(obj.__name__) or "")
            return
        if isinstance(obj, (types.FunctionType, types.MethodType)):
            function = obj.__func__ if isinstance(obj, types.MethodType) else obj
            if isinstance(obj, types.MethodType):
                visit(obj.__self__, depth + 1)
            found.add(_top(function.__module__) or "")
            for name in _names_in(function.__code__):
                if name in function.__globals__:
                    visit(function.__globals__[name], depth + 1)
            for cell in function.__closure__ or ():
                with contextlib.suppress(ValueError):  # an empty cell has no contents
                    visit(cell.cell_contents, depth + 1)
            for default in function.__defaults__ or ():
                visit(default, depth + 1)
            return
        if isinstance(obj, type):
            for klass in obj.__mro__:
                found.add(_top(klass.__module__) or "")
                for member in vars(klass).values():
                    if isinstance(member, (types.FunctionType, staticmethod, classmethod)):
                        visit(getattr(member, "__func__", member), depth + 1)
            return
        if isinstance(obj, (str, bytes, int, float, bool, type(None))):
            return
        if isinstance(obj, (list, tuple, set, frozenset)):
            for item in itertools.islice(obj, 20):  # a sample of a container's items
                visit(item, depth + 1)
            return
        if isinstance(obj, dict):
            for item in itertools.islice(obj.values(), 20):
                visit(item, depth + 1)
            return
        visit(type(obj), depth + 1)
        state = getattr(obj, "__dict__", None)
        if isinstance(state, dict):
            for item in itertools.islice(state.values(), 50):
                visit(item, depth + 1)

    visit(model, 0)
    for module in code:
        found.add(_top(module.__name__) or "")
        found |= imports_of(module)
        visit(module, 0)
        for value in list(vars(module).values()):
            if getattr(value, "__module__", None) == module.__name__:
                visit(value, 1)
    found.discard("")
    return found


def _names_in(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names_in(constant)
    return names


def imports_of(module: types.ModuleType) -> set[str]:
    """Top-level names of what ``module``'s import statements import (from its source)."""
    try:
        tree = parse(inspect.getsource(module))
    except (OSError, TypeError, SyntaxError):
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.partition(".")[0])
    return found


@functools.lru_cache(maxsize=4)
def _providers(path: tuple[str, ...]) -> Mapping[str, list[str]]:
    """Top-level module → distributions, read once per ``sys.path`` (reading every installed
    distribution's file list takes a second in a large environment)."""
    return importlib.metadata.packages_distributions()


def _named_like(module: str) -> list[str]:
    """The distribution named as the module, when there is one: Python 3.10's
    ``packages_distributions`` reads only ``top_level.txt``, which some build backends (flit:
    cloudpickle) do not write."""
    for name in (module, module.replace("_", "-")):
        try:
            return [importlib.metadata.distribution(name).metadata["Name"]]
        except importlib.metadata.PackageNotFoundError:
            continue
    return []


def environment(modules: Iterable[str]) -> dict[str, Any]:
    """The interpreter and the installed distributions that provide ``modules``, pinned.

    Standard-library modules need no distribution; modules that no installed distribution
    provides (the user's own code, saved by value) are listed as ``local_modules``."""
    providers = _providers(tuple(sys.path))
    stdlib = set(getattr(sys, "stdlib_module_names", ()))
    requirements: dict[str, str] = {}
    local: list[str] = []
    for name in sorted(set(modules) | set(ALWAYS_NEEDED)):
        if name in stdlib or name in sys.builtin_module_names or name == "__main__":
            continue
        distributions = providers.get(name) or _named_like(name)
        if not distributions:
            local.append(name)
            continue
        for distribution in distributions:
            try:
                requirements[distribution] = importlib.metadata.version(distribution)
            except importlib.metadata.PackageNotFoundError:
                continue
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "requirements": dict(sorted(requirements.items(), key=lambda kv: kv[0].lower())),
        "local_modules": local,
    }


def requirement_lines(env: dict[str, Any]) -> list[str]:
    """``requirements.txt`` lines (``name==version``) for a stored environment."""
    return [f"{name}=={version}" for name, version in env.get("requirements", {}).items()]


# --- schemas and statistics --------------------------------------------------------------------

def schema_of(frame: pd.DataFrame) -> dict[str, str]:
    """Column name → dtype name, in column order."""
    return {str(column): str(dtype) for column, dtype in frame.dtypes.items()}


def output_frame(output: Any) -> tuple[str, pd.DataFrame]:
    """What a model returned, as ``(kind, frame)``: kind is ``frame``, ``series``, ``array``,
    ``list`` or ``scalar``; the frame is what the schema and statistics are computed on."""
    if isinstance(output, pd.DataFrame):
        return "frame", output
    if isinstance(output, pd.Series):
        name = "prediction" if output.name is None else str(output.name)
        return "series", output.to_frame(name)
    shape = getattr(output, "shape", None)
    if shape is not None and hasattr(output, "dtype"):
        if len(shape) == 0:
            return "scalar", pd.DataFrame({"prediction": [output.item()]})
        if len(shape) == 1:
            return "array", pd.DataFrame({"prediction": output})
        frame = pd.DataFrame(output)
        frame.columns = [f"prediction_{i}" for i in range(frame.shape[1])]
        return "array", frame
    if isinstance(output, (list, tuple)):
        return "list", pd.DataFrame({"prediction": list(output)})
    return "scalar", pd.DataFrame({"prediction": [output]})


def _plain(value: Any) -> Any:
    """A numpy/pandas scalar as a JSON-ready Python value (NaN → None)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return str(value)


def column_stats(series: pd.Series) -> dict[str, Any]:
    """dtype, count, nulls, and min/max/mean (numbers, times) or the top values (the rest)."""
    nulls = int(series.isna().sum())
    stats: dict[str, Any] = {"dtype": str(series.dtype), "count": int(len(series) - nulls),
                             "nulls": nulls}
    present = series.dropna()
    kind = series.dtype.kind
    if kind in "iuf" and len(present):
        stats.update(min=_plain(present.min()), max=_plain(present.max()),
                     mean=_plain(present.mean()))
    elif kind in "mM" and len(present):
        stats.update(min=_plain(present.min()), max=_plain(present.max()))
    elif len(present):
        try:
            counts = present.astype(str).value_counts()
        except (TypeError, ValueError):
            counts = pd.Series(dtype=int)
        stats["unique"] = len(counts)
        stats["top"] = {str(k): int(v) for k, v in counts.head(5).items()}
        if kind == "b":
            stats["mean"] = _plain(present.astype(float).mean())
    return stats


def frame_stats(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """:func:`column_stats` of every column, by column name."""
    return {str(column): column_stats(frame[column]) for column in frame.columns}


# --- provenance ------------------------------------------------------------------------------

def code_sources(code: Iterable[types.ModuleType]) -> dict[str, str]:
    """Module name → its source, for the custom modules a model is saved with."""
    sources = {}
    for module in code:
        if not isinstance(module, types.ModuleType):
            raise TypeError(f"save_model(code=...) takes modules; {module!r} is "
                            f"{a_type(module)}.")
        try:
            sources[module.__name__] = inspect.getsource(module)
        except (OSError, TypeError) as error:
            raise ValueError(f"save_model(code=...): the source of module {module.__name__!r} "
                             f"cannot be read ({error}).") from error
    return sources


def provenance() -> dict[str, Any]:
    """Who saved the model, when and where."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment (some containers)
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return {
        "user": user,
        "host": socket.gethostname(),
        "saved_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "pid": os.getpid(),
        "cwd": os.getcwd(),
        "argv": list(sys.argv),
        "executable": sys.executable,
    }
