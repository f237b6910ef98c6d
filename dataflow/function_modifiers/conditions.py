"""One config condition, shared by ``@config.when*`` and ``step(...).when*``.

A key the config does not have reads as ``None`` (as in Hamilton): ``when(a=None)`` holds and
``when_not(a=None)`` does not when ``a`` is absent, for a decorator and for a step alike.

>>> ConfigCondition.of("when", {"region": "eu"}).holds({"region": "eu"})
True
>>> ConfigCondition.of("when", {"region": None}).holds({})
True
>>> ConfigCondition.of("when_in", {"region": ["eu", "us"]})
config.when_in(region=('eu', 'us'))
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from dataflow.instructions import DecoratorUsageError

__all__ = ["KINDS", "ConfigCondition"]

KINDS = ("when", "when_not", "when_in", "when_not_in")


@dataclass(frozen=True, slots=True)
class ConfigCondition:
    """``kind`` (one of :data:`KINDS`) over ``pairs`` of ``(key, value)``; for the ``_in``
    kinds each value is a tuple of accepted values. Every pair must hold."""

    kind: str
    pairs: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, kind: str, pairs: Mapping[str, Any], where: str = "config") -> ConfigCondition:
        """The condition ``where.kind(**pairs)``, checked: at least one pair, and a collection
        of values for the ``_in`` kinds. ``where`` names the caller in errors."""
        if kind not in KINDS:
            raise DecoratorUsageError(
                f"{where}.{kind} is not a config condition; use one of "
                f"{', '.join(KINDS)}.")
        if not pairs:
            raise DecoratorUsageError(
                f"{where}.{kind}() needs at least one key=value "
                f"condition, e.g. {where}.{kind}(region='eu')")
        items: list[tuple[str, Any]] = []
        for key, choice in pairs.items():
            if kind.endswith("_in"):
                if isinstance(choice, (str, bytes)) or not isinstance(choice, Collection):
                    raise DecoratorUsageError(
                        f"{where}.{kind}: {key}= takes a collection of values (e.g. "
                        f"{key}=[{choice!r}]); got {choice!r}")
                choice = tuple(choice)
            items.append((key, choice))
        return cls(kind, tuple(items))

    def holds(self, config: Mapping[str, Any]) -> bool:
        """True when ``config`` satisfies every pair (absent keys read as ``None``)."""
        get = config.get
        kind = self.kind
        if kind == "when":
            return all(get(k) == v for k, v in self.pairs)
        if kind == "when_not":
            return all(get(k) != v for k, v in self.pairs)
        if kind == "when_in":
            return all(get(k) in v for k, v in self.pairs)
        return all(get(k) not in v for k, v in self.pairs)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.pairs)

    def __call__(self, config: Mapping[str, Any]) -> bool:
        return self.holds(config)

    def __repr__(self) -> str:
        return f"config.{self.kind}({', '.join(f'{k}={v!r}' for k, v in self.pairs)})"
