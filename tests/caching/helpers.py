"""Helpers for the caching tests: modules written to real files (so their source can be read,
and changed between runs, as a user edits a file)."""

from __future__ import annotations

import importlib.util
import itertools
import sys
import types
from pathlib import Path

_counter = itertools.count()


def load_module(directory: Path, source: str, stem: str = "cached_nodes") -> types.ModuleType:
    """Write ``source`` to a fresh file under ``directory`` and import it."""
    name = f"{stem}_{next(_counter)}"
    path = directory / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
