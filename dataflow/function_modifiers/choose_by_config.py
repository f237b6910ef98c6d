"""Choose functions by config: ``@config.when*``, ``@config(predicate)``, ``@resolve``, and
``@dataflow_exclude`` / ``@hamilton_exclude``.

A config filter records a ``CHOOSE`` instruction: under a config that does not satisfy it the
function defines no nodes. Several variants of one node are written as ``name__variant``; the
``__variant`` suffix is dropped from the node name (see :func:`dataflow.resolve.base_name`).

>>> @config.when(region="eu")
... def tax_rate__eu() -> float:
...     return 0.2
"""

from __future__ import annotations

import enum
import inspect
import types
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from dataflow.collect import EXCLUDE_ATTRIBUTE
from dataflow.node import origin_of
from dataflow.resolve import Instruction, Phase, ResolveContext, instructions_of, record

__all__ = ["ResolveAt", "config", "dataflow_exclude", "hamilton_exclude", "resolve",
           "resolve_from_config"]


class ConfigPredicate:
    """A picklable predicate over the config: ``kind`` is one of ``when``, ``when_not``,
    ``when_in``, ``when_not_in``; ``pairs`` are the keyword arguments of the decorator."""

    __slots__ = ("kind", "pairs")

    def __init__(self, kind: str, pairs: tuple[tuple[str, Any], ...]) -> None:
        self.kind = kind
        self.pairs = pairs

    def __call__(self, configuration: Mapping[str, Any]) -> bool:
        # A key the config lacks reads as None, as in Hamilton: `when` is then inactive and
        # `when_not` active.
        if self.kind == "when":
            return all(configuration.get(k) == v for k, v in self.pairs)
        if self.kind == "when_not":
            return all(configuration.get(k) != v for k, v in self.pairs)
        if self.kind == "when_in":
            return all(configuration.get(k) in v for k, v in self.pairs)
        return all(configuration.get(k) not in v for k, v in self.pairs)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.pairs)
        return f"config.{self.kind}({args})"

    def __reduce__(self) -> Any:
        return (ConfigPredicate, (self.kind, self.pairs))


class ConfigInstruction(Instruction):
    """``CHOOSE``: the function defines nodes only when ``resolves(config)`` is true."""

    phase = Phase.CHOOSE
    decorator_name = "config"

    def __init__(self, resolves: Callable[[Any], bool],
                 target_name: str | None, config_used: tuple[str, ...], label: str) -> None:
        self.resolves = resolves
        self.target_name = target_name
        self.config_used = config_used
        self.decorator_name = label  # type: ignore[misc]

    def is_active(self, context: ResolveContext) -> bool:
        view: Mapping[str, Any] = context.config
        absent = [key for key in self.config_used if key not in view]
        if absent:  # copy only when needed: building many functions stays linear
            view = {**view, **dict.fromkeys(absent)}
        try:
            active = self.resolves(view)
        except Exception as error:  # a user predicate failed: say where
            raise context.error(self, f"the config predicate raised {type(error).__name__}: "
                                      f"{error}") from error
        if self.target_name is not None:
            context.name = self.target_name
        return bool(active)


class config:
    """Include the decorated function only under some configurations.

    ``@config(predicate)`` takes a function of the config dict (``config_used`` lists the keys
    it reads; absent ones read as ``None``); the ``when*`` class methods cover the usual cases.
    A config key that is absent reads as ``None``, so ``@config.when(a=1)`` is inactive and
    ``@config.when_not(a=1)`` active when the driver's config has no ``a`` (as in Hamilton).
    Stacked filters must all hold.
    """

    def __init__(self, resolves: Callable[[Any], bool], target_name: str | None = None,
                 config_used: Sequence[str] | None = None) -> None:
        if not callable(resolves):
            raise TypeError(f"@config takes a function of the config dict (e.g. "
                            f"`@config(lambda cfg: cfg['mode'] == 'fast')`); got {resolves!r}")
        if target_name is not None and (not isinstance(target_name, str) or not target_name):
            raise TypeError(f"@config: target_name must be a node name (str); got {target_name!r}")
        self.resolves = resolves
        self.target_name = target_name
        self.config_used = tuple(config_used or ())
        self.label = "config"

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise TypeError(f"@{self.label} decorates a function; got {fn!r}")
        return record(fn, ConfigInstruction(self.resolves, self.target_name, self.config_used,
                                            self.label))

    @classmethod
    def _from_pairs(cls, kind: str, pairs: Mapping[str, Any], name: str | None,
                    collections: bool) -> config:
        if not pairs:
            raise TypeError(f"@config.{kind} needs at least one key=value condition, e.g. "
                            f"@config.{kind}(region='eu')")
        items: list[tuple[str, Any]] = []
        for key, choice in pairs.items():
            if collections:
                if isinstance(choice, (str, bytes)) or not isinstance(choice, Collection):
                    raise TypeError(f"@config.{kind}: {key}= takes a collection of values (e.g. "
                                    f"{key}=[{choice!r}]); got {choice!r}")
                choice = tuple(choice)
            items.append((key, choice))
        made = cls(ConfigPredicate(kind, tuple(items)), name, [k for k, _ in items])
        made.label = f"config.{kind}"
        return made

    @classmethod
    def when(cls, name: str | None = None, **key_value_pairs: Any) -> config:
        """Active when every ``key`` has the given value in the config."""
        return cls._from_pairs("when", key_value_pairs, name, False)

    @classmethod
    def when_not(cls, name: str | None = None, **key_value_pairs: Any) -> config:
        """Active when no ``key`` has the given value in the config."""
        return cls._from_pairs("when_not", key_value_pairs, name, False)

    @classmethod
    def when_in(cls, name: str | None = None, **key_value_group_pairs: Collection[Any]) -> config:
        """Active when every ``key``'s config value is one of the given values."""
        return cls._from_pairs("when_in", key_value_group_pairs, name, True)

    @classmethod
    def when_not_in(cls, name: str | None = None,
                    **key_value_group_pairs: Collection[Any]) -> config:
        """Active when no ``key``'s config value is one of the given values."""
        return cls._from_pairs("when_not_in", key_value_group_pairs, name, True)


def dataflow_exclude(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Keep a public function of a module out of the graph (a helper, not a node)."""
    setattr(fn, EXCLUDE_ATTRIBUTE, True)
    return fn


hamilton_exclude = dataflow_exclude
"""Hamilton's name for :func:`dataflow_exclude`."""


class ResolveAt(enum.Enum):
    """When ``@resolve`` chooses its decorator; only once the config is known is supported."""

    CONFIG_AVAILABLE = "config_available"


def _copy_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A fresh function object with ``fn``'s code, for a decorator to record on (``fn`` itself
    and any module sharing it are left untouched)."""
    if not isinstance(fn, types.FunctionType):
        return fn
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                              fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    copy.__dict__.update({k: v for k, v in fn.__dict__.items()
                          if k != "__dataflow_instructions__"})
    copy.__module__ = fn.__module__
    copy.__qualname__ = fn.__qualname__
    copy.__doc__ = fn.__doc__
    copy.__annotations__ = dict(getattr(fn, "__annotations__", {}))
    return copy


class ResolveInstruction(Instruction):
    """``RESOLVE``: build a decorator from config values and use its instructions."""

    phase = Phase.RESOLVE
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
        copy = _copy_function(context.fn)
        try:
            decorated = decorator(copy)
        except (TypeError, ValueError) as error:
            raise context.error(self, f"the decorator built from config failed: {error}") from error
        chosen = [i for i in instructions_of(decorated) if i not in instructions_of(context.fn)]
        return chosen


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
        raise TypeError(f"@resolve: when= must be ResolveAt.CONFIG_AVAILABLE; got {when!r}")
    if not callable(decorate_with):
        raise TypeError(f"@resolve: decorate_with must be a function of config values; got "
                        f"{decorate_with!r}")
    parameters = inspect.signature(decorate_with).parameters.values()
    keys = tuple(p.name for p in parameters)
    optional = tuple(p.name for p in parameters if p.default is not inspect.Parameter.empty)
    instruction = ResolveInstruction(decorate_with, keys, optional)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise TypeError(f"@resolve decorates a function; got {fn!r} ({origin_of(fn)})")
        return record(fn, instruction)

    return decorate


def resolve_from_config(*, decorate_with: Callable[..., Any]) -> Decorate:
    """Shorthand for ``resolve(when=ResolveAt.CONFIG_AVAILABLE, decorate_with=...)``."""
    return resolve(when=ResolveAt.CONFIG_AVAILABLE, decorate_with=decorate_with)
