"""MODULES arguments → imported modules: ``.py`` file paths as well as import paths.

A feature module is often run straight from its file (``dataflow ls features.py``), and often
sits in a package whose relative imports must keep working; both are handled here so every
command accepts the same MODULES.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
import uuid
from pathlib import Path

from dataflow.cli.errors import CliError


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
            raise CliError(f"Module file {reference!r} does not exist.")
        dotted, root = package_name_of(path.resolve())
        if root is not None:
            return _import_package_file(reference, path.resolve(), dotted, root)
        return _import_plain_file(reference, path)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(reference)
    except ImportError as error:
        raise CliError(f"Cannot import module {reference!r}: {error}. Pass an import path "
                       "importable from the current directory, or a path to a .py file.") \
            from None


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
        raise CliError(f"Importing {reference} (as module {dotted}, from {root}) failed: "
                       f"{type(error).__name__}: {error}") from None
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
        raise CliError(f"Importing {reference} failed: {type(error).__name__}: {error}.{hint}") \
            from None
    return module
