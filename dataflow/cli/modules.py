"""MODULES arguments → imported modules: ``.py`` file paths as well as import paths.

A feature module is often run straight from its file (``dataflow ls features.py``), and often
sits in a package whose relative imports must keep working; both are handled here so every
command accepts the same MODULES. A name that does not exist gets the close ones
(did-you-mean); a module whose own code fails to import is named with the file:line that
failed.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import sys
import traceback
import types
import uuid
from collections.abc import Sequence
from pathlib import Path

from dataflow.cli.errors import CliError
from dataflow.errors import close_names, did_you_mean


def load_modules(references: Sequence[str]) -> list[types.ModuleType]:
    """Import every MODULES argument; one module named twice (``features.py features``) is
    used once, rather than defining each of its nodes twice."""
    loaded: list[types.ModuleType] = []
    for reference in references:
        module = load_module(reference)
        if not any(module is m or _same_file(module, m) for m in loaded):
            loaded.append(module)
    return loaded


def load_module(reference: str) -> types.ModuleType:
    """Import ``reference``: a ``.py`` file path or an import path (tried from the current
    directory too).

    A file inside a package (its directory has an ``__init__.py``, and so on up) is imported
    under its dotted name with the directory above the top package on ``sys.path``, so its
    relative imports work; a file outside any package is imported under its own name with its
    directory on ``sys.path``, so sibling imports work.
    """
    path = Path(reference)
    if reference.endswith(".py") or path.is_file():
        if not path.is_file():
            raise CliError(_missing_file_message(reference, path))
        dotted, root = package_name_of(path.resolve())
        if root is not None:
            return _import_package_file(reference, path.resolve(), dotted, root)
        return _import_plain_file(reference, path)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(reference)
    except ModuleNotFoundError as error:
        if error.name is not None and _is_prefix(error.name, reference):
            raise CliError(_unknown_import_message(reference, error.name)) from None
        raise CliError(_import_failure(reference, error)) from None
    except Exception as error:
        raise CliError(_import_failure(reference, error)) from None


def package_name_of(file: Path) -> tuple[str, Path | None]:
    """The dotted module name of ``file`` and the directory its top package lives in (``None``
    when the file's directory is not a package).

    >>> package_name_of(Path("/repo/examples/demand_forecasting/raw_data.py"))  # doctest: +SKIP
    ('examples.demand_forecasting.raw_data', PosixPath('/repo'))
    """
    parts = [] if file.name == "__init__.py" else [file.stem]
    directory = file.parent
    while (directory / "__init__.py").is_file():
        parts.insert(0, directory.name)
        directory = directory.parent
    if directory == file.parent:
        return file.stem, None
    return ".".join(parts), directory


def _import_package_file(reference: str, file: Path, dotted: str, root: Path) -> types.ModuleType:
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(dotted)
    except Exception as error:
        raise CliError(_import_failure(f"{reference} (as module {dotted}, from {root})",
                                       error)) from None
    found = getattr(module, "__file__", None)
    if found is None or Path(found).resolve() != file:
        top = dotted.split(".")[0]
        raise CliError(f"{reference} is module {dotted} (its directories hold __init__.py), "
                       f"but importing {dotted} gives {found}: another package named {top!r} "
                       "comes first on sys.path. Rename one of them, or run from elsewhere.")
    return module


def _import_plain_file(reference: str, path: Path) -> types.ModuleType:
    directory = str(path.resolve().parent)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    name = path.stem if path.stem not in sys.modules else f"{path.stem}_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CliError(f"Cannot load {reference!r} as a Python module.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[name]
        hint = ""
        if isinstance(error, ImportError) and "relative import" in str(error):
            hint = (f" {path.parent} has no __init__.py, so {path.name} is not part of a "
                    "package; add one to use relative imports.")
        raise CliError(_import_failure(reference, error) + hint) from None
    return module


def _same_file(a: types.ModuleType, b: types.ModuleType) -> bool:
    file_a, file_b = getattr(a, "__file__", None), getattr(b, "__file__", None)
    return file_a is not None and file_b is not None and Path(file_a) == Path(file_b)


def _is_prefix(name: str, reference: str) -> bool:
    """Whether module ``name`` is ``reference`` or one of its parent packages."""
    return reference == name or reference.startswith(name + ".")


def _missing_file_message(reference: str, path: Path) -> str:
    directory = path.parent
    if not directory.is_dir():
        return (f"Module file {reference!r} does not exist: there is no directory "
                f"{str(directory)!r}.")
    siblings = sorted(p.name for p in directory.glob("*.py"))
    hint = did_you_mean(path.name, siblings)
    return f"Module file {reference!r} does not exist.{hint}"


def _unknown_import_message(reference: str, missing: str) -> str:
    """``reference`` (or its package ``missing``) is not importable: close names among the
    modules of its package, or of the current directory for a top-level name."""
    parent, _, leaf = missing.rpartition(".")
    if parent:
        package = sys.modules.get(parent)
        where = list(getattr(package, "__path__", []))
    else:
        where = [os.getcwd()]
    candidates = [info.name for info in pkgutil.iter_modules(where)]
    suggestions = [f"{parent}.{c}" if parent else c for c in close_names(leaf, candidates)]
    hint = (" Did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
            if suggestions else "")
    place = (f"package {parent!r}" if parent
             else f"the current directory ({os.getcwd()}) or on sys.path")
    return (f"Cannot import module {reference!r}: there is no module {missing!r} in "
            f"{place}.{hint} Give an import path importable from the current "
            "directory, or a path to a .py file.")


def _import_failure(reference: str, error: BaseException) -> str:
    """Why importing ``reference`` failed, at the file:line of its code that failed."""
    where = failing_line(error)
    at = f" at {where}" if where else ""
    if isinstance(error, ModuleNotFoundError) and error.name:
        return (f"Importing {reference} failed{at}: it imports {error.name!r}, which is not "
                f"installed in this Python environment ({sys.executable}).")
    if isinstance(error, SyntaxError):
        return f"Importing {reference} failed{at}: SyntaxError: {error.msg}."
    return f"Importing {reference} failed{at}: {type(error).__name__}: {error}."


def failing_line(error: BaseException) -> str | None:
    """``file:line`` where the module's code failed: the innermost frame of user code (a file
    outside Python's import machinery, this package and the installed libraries), else the
    innermost frame."""
    if isinstance(error, SyntaxError):
        return f"{error.filename}:{error.lineno}" if error.filename else None
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not f.filename.startswith(("<frozen", os.path.dirname(__file__)))]
    installed = (sys.prefix, sys.base_prefix, sys.exec_prefix)
    own = [f for f in frames
           if os.path.isabs(f.filename) and not f.filename.startswith(installed)] or frames
    if not own:
        return None
    return f"{own[-1].filename}:{own[-1].lineno}"
