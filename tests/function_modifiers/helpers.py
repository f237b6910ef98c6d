"""Helpers of the decorator tests: build drivers from modules or loose functions, and check that
an error names the decorator, the function and its file:line."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

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


def location(fn: Callable[..., Any]) -> str:
    """``file:line`` of ``fn``'s ``def``, as errors print it."""
    code = fn.__code__
    return f"{code.co_filename}:{code.co_firstlineno}"


def assert_located(error: BaseException | str, decorator: str, fn: Callable[..., Any]) -> str:
    """The error names the decorator, the function and its file:line; returns the message."""
    message = str(error)
    code = fn.__code__
    assert f"@{decorator}" in message, message
    assert fn.__qualname__ in message, message
    assert f"{os.path.basename(code.co_filename)}:{code.co_firstlineno}" in message, message
    return message


def build_error(expected: type[BaseException], decorator: str, fn: Callable[..., Any],
                *others: Callable[..., Any], config: dict[str, Any] | None = None) -> str:
    """Building ``fn`` (with ``others``) fails with ``expected``, located at ``fn``."""
    with pytest.raises(expected) as info:
        build(fn, *others, config=config)
    message = assert_located(info.value, decorator, fn)
    assert location(fn) in message, message
    return message
