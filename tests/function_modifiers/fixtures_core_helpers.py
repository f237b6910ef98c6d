"""Helpers for the part-1 decorator tests: build drivers from loose functions, check that an
error names the decorator, the function and its file:line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dataflow import ad_hoc_utils, base, driver


def build(*fns: Callable[..., Any], config: dict[str, Any] | None = None) -> driver.Driver:
    module = ad_hoc_utils.create_temporary_module(*fns)
    return (driver.Builder().with_modules(module).with_config(config or {})
            .with_adapters(base.DictResult()).build())


def location(fn: Callable[..., Any]) -> str:
    code = fn.__code__
    return f"{code.co_filename}:{code.co_firstlineno}"


def assert_located(error: BaseException, decorator: str, fn: Callable[..., Any]) -> str:
    message = str(error)
    assert f"@{decorator}" in message, message
    assert fn.__qualname__ in message, message
    assert location(fn) in message, message
    return message


def build_error(expected: type[BaseException], decorator: str, fn: Callable[..., Any],
                *others: Callable[..., Any], config: dict[str, Any] | None = None) -> str:
    with pytest.raises(expected) as info:
        build(fn, *others, config=config)
    return assert_located(info.value, decorator, fn)
