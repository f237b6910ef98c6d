"""Where a parameter's value comes from: ``source``, ``value``, ``group``, ``configuration``.

These are plain frozen values. Decorators such as ``parameterize``, ``inject``, ``does`` and
``step`` take them and hand them to :func:`dataflow.function_modifiers.binding.bind_parameters`.

>>> source("raw_spend"), value(3)
(source('raw_spend'), value(3))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dataflow.instructions import DecoratorUsageError


class ParametrizedDependency:
    """Base class of the kinds of parameter sources."""

    __slots__ = ()


class SingleDependency(ParametrizedDependency):
    """A source for one value: :class:`UpstreamDependency` or :class:`LiteralDependency` (the
    items a ``group`` holds; Hamilton's class of the same name)."""

    __slots__ = ()


class GroupedDependency(ParametrizedDependency):
    """Several single dependencies passed as one parameter (``group(...)``)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class UpstreamDependency(SingleDependency):
    """The value of another node."""

    source: str

    def __repr__(self) -> str:
        return f"source({self.source!r})"


@dataclass(frozen=True, slots=True)
class LiteralDependency(SingleDependency):
    """A fixed Python value."""

    value: Any

    def __repr__(self) -> str:
        return f"value({self.value!r})"


@dataclass(frozen=True, slots=True)
class ConfigDependency(ParametrizedDependency):
    """A value of the driver's config, read at graph build."""

    key: str

    def __repr__(self) -> str:
        return f"configuration({self.key!r})"


@dataclass(frozen=True, slots=True)
class GroupedListDependency(GroupedDependency):
    """A list of sources and values, passed as one ``list`` parameter."""

    sources: tuple[UpstreamDependency | LiteralDependency, ...]

    def __repr__(self) -> str:
        return f"group({', '.join(map(repr, self.sources))})"


@dataclass(frozen=True, slots=True)
class GroupedDictDependency(GroupedDependency):
    """A dict of sources and values, passed as one ``dict`` parameter."""

    sources: tuple[tuple[str, UpstreamDependency | LiteralDependency], ...]

    def __repr__(self) -> str:
        return f"group({', '.join(f'{k}={v!r}' for k, v in self.sources)})"


def source(dependency_on: str) -> UpstreamDependency:
    """Take the parameter's value from the node named ``dependency_on``."""
    if not isinstance(dependency_on, str) or not dependency_on:
        raise DecoratorUsageError(
            f"source() takes a node name (a non-empty str); got {dependency_on!r}")
    return UpstreamDependency(dependency_on)


def value(literal: Any) -> LiteralDependency:
    """Pass ``literal`` as the parameter's value."""
    return LiteralDependency(literal)


def configuration(key: str) -> ConfigDependency:
    """Pass the config value ``key`` as the parameter's value."""
    if not isinstance(key, str) or not key:
        raise DecoratorUsageError(
            f"configuration() takes a config key (a non-empty str); got {key!r}")
    return ConfigDependency(key)


def _group_item(item: Any, where: str) -> UpstreamDependency | LiteralDependency:
    if isinstance(item, (UpstreamDependency, LiteralDependency)):
        return item
    raise DecoratorUsageError(
        f"group() items must be source(...) or value(...); {where} is {item!r}. "
        f"Wrap it: source({item!r}) for a node, value({item!r}) for a literal."
    )


def group(*dependency_args: Any, **dependency_kwargs: Any) -> ParametrizedDependency:
    """Several sources/values as one parameter: a list (positional) or a dict (keywords).

    >>> group(source("a"), value(1))
    group(source('a'), value(1))
    """
    if dependency_args and dependency_kwargs:
        raise DecoratorUsageError(
            "group() takes either positional items (a list) or keyword items "
            "(a dict), not both.")
    if dependency_kwargs:
        return GroupedDictDependency(tuple(
            (k, _group_item(v, f"item {k!r}")) for k, v in dependency_kwargs.items()))
    return GroupedListDependency(tuple(
        _group_item(v, f"item {i}") for i, v in enumerate(dependency_args)))


def is_dependency(candidate: Any) -> bool:
    return isinstance(candidate, ParametrizedDependency)


def as_dependency_mapping(
    mapping: Mapping[str, Any], decorator: str, allow_literals: bool = False
) -> dict[str, ParametrizedDependency]:
    """Check that every value of ``mapping`` is a dependency (or wrap literals as ``value()``
    when ``allow_literals``); raise a ``TypeError`` that says how to fix it otherwise."""
    checked: dict[str, ParametrizedDependency] = {}
    for name, item in mapping.items():
        if isinstance(item, ParametrizedDependency):
            checked[name] = item
        elif allow_literals:
            checked[name] = LiteralDependency(item)
        else:
            raise DecoratorUsageError(
                f"@{decorator}: parameter {name!r} is given {item!r}, a plain value. Say where "
                f"it comes from: source({item!r}) for another node, value({item!r}) for a literal."
            )
    return checked
