"""Shared helpers of the reuse/data-quality tests."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from dataflow import ad_hoc_utils, base, driver


def build(*functions_or_modules: Any, config: dict[str, Any] | None = None,
          adapters: tuple[Any, ...] = ()) -> driver.Driver:
    """A dict-result driver over modules, or over loose functions (one temporary module)."""
    modules = [m for m in functions_or_modules if not callable(m)]
    functions = [f for f in functions_or_modules if callable(f)]
    if functions:
        modules.append(ad_hoc_utils.create_temporary_module(*functions))
    return (driver.Builder().with_modules(*modules).with_config(config or {})
            .with_adapters(base.DictResult(), *adapters).build())


def assert_names_location(message: str, decorator: str, fn: Callable[..., Any]) -> None:
    """The error names the decorator, the function and its file:line."""
    code = fn.__code__
    assert f"@{decorator}" in message, message
    assert fn.__qualname__ in message, message
    assert f"{os.path.basename(code.co_filename)}:{code.co_firstlineno}" in message, message
