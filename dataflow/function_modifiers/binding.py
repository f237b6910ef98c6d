"""Bind a node's parameters to other nodes, literals, groups or config values.

:func:`bind_parameters` is the one mechanism behind ``parameterize``, ``inject``, ``does`` and
pipe ``step``: it rewrites a node's dependencies and wraps its callable in a
:class:`BoundCall`, a picklable top-level class (no closures), so process and cluster executors
can ship the node.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dataflow.function_modifiers.dependencies import (
    ConfigDependency,
    GroupedDictDependency,
    GroupedListDependency,
    LiteralDependency,
    ParametrizedDependency,
    UpstreamDependency,
)
from dataflow.node import Dependency, Node

_SOURCE = 0
_LITERAL = 1


@dataclass(frozen=True, slots=True)
class BoundCall:
    """Calls ``fn`` with parameters renamed, fixed or grouped.

    ``passthrough`` parameters keep their names; ``renamed`` maps parameter → dependency name;
    ``literals`` fixes values; ``list_groups`` / ``dict_groups`` build one list / dict parameter
    from items that are either ``(0, dependency name)`` or ``(1, literal)``.
    """

    fn: Callable[..., Any]
    passthrough: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()
    literals: tuple[tuple[str, Any], ...] = ()
    list_groups: tuple[tuple[str, tuple[tuple[int, Any], ...]], ...] = ()
    dict_groups: tuple[tuple[str, tuple[tuple[str, int, Any], ...]], ...] = ()

    def __call__(self, **kwargs: Any) -> Any:
        call = {name: kwargs[name] for name in self.passthrough if name in kwargs}
        for parameter, dependency in self.renamed:
            call[parameter] = kwargs[dependency]
        for parameter, literal in self.literals:
            call[parameter] = literal
        for parameter, items in self.list_groups:
            call[parameter] = [kwargs[x] if kind == _SOURCE else x for kind, x in items]
        for parameter, keyed in self.dict_groups:
            call[parameter] = {key: kwargs[x] if kind == _SOURCE else x for key, kind, x in keyed}
        return self.fn(**call)

    @property
    def __wrapped__(self) -> Callable[..., Any]:
        return self.fn


def element_type(annotation: Any) -> Any:
    """The item type of a ``list[T]`` / ``Sequence[T]`` / ``dict[str, T]`` annotation, else Any."""
    args = typing.get_args(annotation)
    return args[-1] if args else Any


class BindingError(ValueError):
    """A binding names a parameter the function does not have, or a config key that is absent."""


def bind_parameters(
    node: Node,
    bindings: Mapping[str, ParametrizedDependency],
    config: Mapping[str, Any],
) -> Node:
    """``node`` with the parameters in ``bindings`` taken from elsewhere.

    Raises :class:`BindingError` when a binding names no parameter of the node or a config key
    that is absent; decorators turn it into a :class:`~dataflow.errors.DecoratorError` with
    their own name and the function's file:line.
    """
    by_name = {dep.name: dep for dep in node.dependencies}
    unknown = [name for name in bindings if name not in by_name]
    if unknown:
        raise BindingError(
            f"parameter(s) {', '.join(repr(u) for u in unknown)} not found; the function's "
            f"parameters are {', '.join(by_name) or '(none)'}"
        )
    kept: dict[str, Dependency] = {}
    renamed: list[tuple[str, str]] = []
    literals: list[tuple[str, Any]] = []
    list_groups: list[tuple[str, tuple[tuple[int, Any], ...]]] = []
    dict_groups: list[tuple[str, tuple[tuple[str, int, Any], ...]]] = []
    passthrough: list[str] = []
    for dep in node.dependencies:
        binding = bindings.get(dep.name)
        if binding is None:
            passthrough.append(dep.name)
            kept.setdefault(dep.name, dep)
        elif isinstance(binding, UpstreamDependency):
            renamed.append((dep.name, binding.source))
            kept.setdefault(binding.source, Dependency(binding.source, dep.type, False))
        elif isinstance(binding, LiteralDependency):
            literals.append((dep.name, binding.value))
        elif isinstance(binding, ConfigDependency):
            if binding.key not in config:
                raise BindingError(f"config key {binding.key!r} (for parameter {dep.name!r}) "
                                   "is not in the driver's config")
            literals.append((dep.name, config[binding.key]))
        elif isinstance(binding, GroupedListDependency):
            item_type = element_type(dep.type)
            items: list[tuple[int, Any]] = []
            for item in binding.sources:
                if isinstance(item, UpstreamDependency):
                    items.append((_SOURCE, item.source))
                    kept.setdefault(item.source, Dependency(item.source, item_type, False))
                else:
                    items.append((_LITERAL, item.value))
            list_groups.append((dep.name, tuple(items)))
        elif isinstance(binding, GroupedDictDependency):
            item_type = element_type(dep.type)
            keyed: list[tuple[str, int, Any]] = []
            for key, item in binding.sources:
                if isinstance(item, UpstreamDependency):
                    keyed.append((key, _SOURCE, item.source))
                    kept.setdefault(item.source, Dependency(item.source, item_type, False))
                else:
                    keyed.append((key, _LITERAL, item.value))
            dict_groups.append((dep.name, tuple(keyed)))
        else:
            raise BindingError(f"parameter {dep.name!r}: {binding!r} is not a dependency")
    call = BoundCall(node.fn, tuple(passthrough), tuple(renamed), tuple(literals),  # type: ignore[arg-type]
                     tuple(list_groups), tuple(dict_groups))
    return node.with_changes(fn=call, dependencies=tuple(kept.values()))
