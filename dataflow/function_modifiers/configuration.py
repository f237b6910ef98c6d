"""Choose functions by config: ``@config.when*``, ``@config(predicate)``, and
``@dataflow_exclude`` / ``@hamilton_exclude`` (Hamilton's ``function_modifiers.configuration``).

A config filter records a ``CHOOSE`` instruction: under a config that does not satisfy it the
function defines no nodes. Several variants of one node are written as ``name__variant``; the
``__variant`` suffix is dropped from the node name (see :func:`dataflow.resolve.base_name`).

>>> @config.when(region="eu")
... def tax_rate__eu() -> float:
...     return 0.2
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from dataflow.function_modifiers.conditions import ConfigCondition
from dataflow.instructions import ChooseInstruction, DecoratorUsageError, ResolveContext, record
from dataflow.instructions import own_function as _own_function
from dataflow.marks import EXCLUDE_ATTRIBUTE

__all__ = ["config", "dataflow_exclude", "hamilton_exclude"]


class ConfigFilter(ChooseInstruction):
    """``CHOOSE``: the function defines nodes only when ``resolves`` holds for the config.

    ``config_used`` lists the keys a custom predicate reads: it then receives only those keys
    (absent ones as ``None``), as in Hamilton; without it, the whole config."""

    decorator_name = "config"

    def __init__(self, resolves: Callable[[Any], bool], target_name: str | None,
                 config_used: tuple[str, ...] | None, label: str) -> None:
        self.resolves = resolves
        self.target_name = target_name
        self.config_used = config_used
        self.decorator_name = label

    def is_active(self, context: ResolveContext) -> bool:
        resolves = self.resolves
        config: Mapping[str, Any] = context.config
        if not isinstance(resolves, ConfigCondition) and self.config_used is not None:
            config = {key: config.get(key) for key in self.config_used}
        try:
            active = resolves(config)
        except Exception as error:  # a user predicate failed: say where
            raise context.error(self, f"the config predicate raised {type(error).__name__}: "
                                      f"{error}") from error
        if self.target_name is not None:
            context.name = self.target_name
        return bool(active)

    def describe(self) -> str:
        if isinstance(self.resolves, ConfigCondition):
            return repr(self.resolves)
        name = getattr(self.resolves, "__name__", None) or repr(self.resolves)
        code = getattr(self.resolves, "__code__", None)
        where = f" at {os.path.basename(code.co_filename)}:{code.co_firstlineno}" if code else ""
        return f"config({name}{where})"

    def config_keys(self) -> Sequence[str] | None:
        return self.config_used


class config:
    """Include the decorated function only under some configurations.

    ``@config(predicate)`` takes a function of the config dict (``config_used`` lists the keys
    it reads: it then receives only those, absent ones as ``None``); the ``when*`` class methods
    cover the usual cases. A config key that is absent reads as ``None``, so
    ``@config.when(a=1)`` is inactive and ``@config.when_not(a=1)`` active when the driver's
    config has no ``a`` (as in Hamilton, and as ``step(...).when*``). Stacked filters must all
    hold.
    """

    def __init__(self, resolves: Callable[[Any], bool], target_name: str | None = None,
                 config_used: Sequence[str] | None = None) -> None:
        if not callable(resolves):
            raise DecoratorUsageError(
                f"@config takes a function of the config dict (e.g. `@config(lambda cfg: "
                f"cfg['mode'] == 'fast')`); got {resolves!r}")
        if target_name is not None and (not isinstance(target_name, str) or not target_name):
            raise DecoratorUsageError(
                f"@config: target_name must be a node name (str); got {target_name!r}")
        self.resolves = resolves
        self.target_name = target_name
        self.config_used = tuple(config_used) if config_used is not None else None
        self.label = "config"

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise DecoratorUsageError(
                f"@{self.label} decorates a function; got {fn!r}")
        return record(fn, ConfigFilter(self.resolves, self.target_name, self.config_used,
                                       self.label))

    @classmethod
    def _from_pairs(cls, kind: str, pairs: Mapping[str, Any], name: str | None) -> config:
        condition = ConfigCondition.of(kind, pairs, "@config")
        made = cls(condition, name, condition.keys)
        made.label = f"config.{kind}"
        return made

    @classmethod
    def when(cls, name: str | None = None, **key_value_pairs: Any) -> config:
        """Active when every ``key`` has the given value in the config."""
        return cls._from_pairs("when", key_value_pairs, name)

    @classmethod
    def when_not(cls, name: str | None = None, **key_value_pairs: Any) -> config:
        """Active when no ``key`` has the given value in the config."""
        return cls._from_pairs("when_not", key_value_pairs, name)

    @classmethod
    def when_in(cls, name: str | None = None, **key_value_group_pairs: Collection[Any]) -> config:
        """Active when every ``key``'s config value is one of the given values."""
        return cls._from_pairs("when_in", key_value_group_pairs, name)

    @classmethod
    def when_not_in(cls, name: str | None = None,
                    **key_value_group_pairs: Collection[Any]) -> config:
        """Active when no ``key``'s config value is one of the given values."""
        return cls._from_pairs("when_not_in", key_value_group_pairs, name)


def dataflow_exclude(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Keep a public function of a module out of the graph (a helper, not a node)."""
    owned = _own_function(fn)
    setattr(owned, EXCLUDE_ATTRIBUTE, True)
    return owned


hamilton_exclude = dataflow_exclude
"""Hamilton's name for :func:`dataflow_exclude`."""
