"""``@resolve``: choose a decorator from config values at graph build (Hamilton's
``function_modifiers.delayed``).

>>> from dataflow.function_modifiers import extract_columns
>>> import pandas as pd
>>> @resolve(when=ResolveAt.CONFIG_AVAILABLE, decorate_with=lambda cols: extract_columns(*cols))
... def frame(raw: pd.DataFrame) -> pd.DataFrame:
...     return raw
"""

from __future__ import annotations

import enum
import inspect
import types
from collections.abc import Callable, Sequence
from typing import Any

from dataflow.instructions import (
    DecoratorUsageError,
    Instruction,
    ResolveContext,
    ResolveInstruction,
    copy_function,
    instructions_of,
    record,
)
from dataflow.node import origin_of

__all__ = ["ResolveAt", "resolve", "resolve_from_config"]


class ResolveAt(enum.Enum):
    """When ``@resolve`` chooses its decorator; only once the config is known is supported."""

    CONFIG_AVAILABLE = "config_available"


class DecoratorFromConfig(ResolveInstruction):
    """``RESOLVE``: build a decorator from config values and use its instructions."""

    decorator_name = "resolve"

    def __init__(self, decorate_with: Callable[..., Any], keys: tuple[str, ...],
                 optional: tuple[str, ...]) -> None:
        self.decorate_with = decorate_with
        self.keys = keys
        self.optional = optional

    def required_config(self) -> Sequence[str]:
        return [k for k in self.keys if k not in self.optional]

    def instructions(self, context: ResolveContext) -> Sequence[Instruction]:
        arguments = {k: context.config[k] for k in self.keys if k in context.config}
        try:
            decorator = self.decorate_with(**arguments)
        except Exception as error:
            raise context.error(self, f"decorate_with raised {type(error).__name__}: {error}. "
                                      f"It was called with {arguments!r}.") from error
        if not callable(decorator):
            raise context.error(self, f"decorate_with must return a decorator (e.g. "
                                      f"`lambda cols: extract_columns(*cols)`); it returned "
                                      f"{decorator!r}")
        fn = context.fn
        scratch = copy_function(fn) if isinstance(fn, types.FunctionType) else fn
        try:
            decorated = decorator(scratch)
        except (TypeError, ValueError) as error:
            raise context.error(self, f"the decorator built from config failed: {error}") from error
        already = instructions_of(fn)
        return [i for i in instructions_of(decorated) if i not in already]


Decorate = Callable[[Callable[..., Any]], Callable[..., Any]]


def resolve(*, when: ResolveAt = ResolveAt.CONFIG_AVAILABLE,
            decorate_with: Callable[..., Any]) -> Decorate:
    """Choose a decorator from config values at graph build.

    ``decorate_with``'s parameter names are config keys (parameters with defaults are optional
    keys); it returns the decorator to apply, e.g.
    ``@resolve(when=ResolveAt.CONFIG_AVAILABLE,
    decorate_with=lambda cols: extract_columns(*cols))``.
    Unlike Hamilton, no power-user-mode config flag is needed (passing
    ``hamilton.enable_power_user_mode`` is harmless).
    """
    if when is not ResolveAt.CONFIG_AVAILABLE:
        raise DecoratorUsageError(
            f"@resolve: when= must be ResolveAt.CONFIG_AVAILABLE; got {when!r}")
    if not callable(decorate_with):
        raise DecoratorUsageError(
            f"@resolve: decorate_with must be a function of config values; got {decorate_with!r}")
    parameters = inspect.signature(decorate_with).parameters.values()
    keys = tuple(p.name for p in parameters)
    optional = tuple(p.name for p in parameters if p.default is not inspect.Parameter.empty)
    instruction = DecoratorFromConfig(decorate_with, keys, optional)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise DecoratorUsageError(
                f"@resolve decorates a function; got {fn!r} ({origin_of(fn)})")
        return record(fn, instruction)

    return decorate


def resolve_from_config(*, decorate_with: Callable[..., Any]) -> Decorate:
    """Shorthand for ``resolve(when=ResolveAt.CONFIG_AVAILABLE, decorate_with=...)``."""
    return resolve(when=ResolveAt.CONFIG_AVAILABLE, decorate_with=decorate_with)
