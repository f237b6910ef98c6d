"""Build a module from loose functions, for notebooks and tests.

>>> def a() -> int:
...     return 1
>>> module = create_temporary_module(a)
>>> from dataflow import driver
>>> driver.Builder().with_modules(module).build().list_available_variables()[0].name
'a'
"""

from __future__ import annotations

import sys
import types
import uuid
from collections.abc import Callable
from typing import Any

from dataflow.marks import TEMPORARY_MARK

__all__ = ["TEMPORARY_MARK", "create_temporary_module", "is_temporary", "module_from_source"]


def create_temporary_module(
    *functions: Callable[..., Any], module_name: str = ""
) -> types.ModuleType:
    """A module holding ``functions``: every public function among them defines nodes, wherever
    it was defined. The functions are not copied or changed, so a driver built on the module
    pickles when the functions do (functions defined at module level of an importable file)."""
    name = module_name or f"temporary_module_{uuid.uuid4().hex}"
    module = types.ModuleType(name)
    for fn in functions:
        if not callable(fn) or not hasattr(fn, "__name__"):
            raise TypeError(f"create_temporary_module takes functions; got {fn!r}")
        setattr(module, fn.__name__, fn)
    setattr(module, TEMPORARY_MARK, tuple(functions))
    return module


def is_temporary(module: types.ModuleType) -> bool:
    return hasattr(module, TEMPORARY_MARK)


def module_from_source(source: str, module_name: str = "") -> types.ModuleType:
    """A module made by executing ``source`` (registered in ``sys.modules`` so that
    ``typing.get_type_hints`` can resolve its annotations)."""
    name = module_name or f"source_module_{uuid.uuid4().hex}"
    module = types.ModuleType(name)
    sys.modules[name] = module
    exec(compile(source, f"<{name}>", "exec", dont_inherit=True), module.__dict__)
    return module
