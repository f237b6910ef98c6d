"""Nodes: the frozen values that every stage after *resolve* works on.

A node is one named value of the dataflow: a function output, an external input or a config
value. Nodes are plain data (``frozen`` + ``slots``) so that graphs, plans and lineage views can
share them freely and so that they pickle.
"""

from __future__ import annotations

import enum
import inspect
import sys
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

EMPTY_TAGS: Mapping[str, Any] = types.MappingProxyType({})

MODULE_TAG = "module"
"""Every function node is tagged with the module that defines it (as Hamilton does)."""
DECORATOR_TAG = "dataflow.decorator"
"""Set on nodes a decorator generated, to the decorator's name (``"extract_columns"``, ...);
lineage pictures style such nodes by it."""
RESERVED_TAG_PREFIXES = ("dataflow.", "hamilton.")
"""Tag keys users may not set with ``@tag`` (the framework writes them)."""
RESERVED_TAG_KEYS = (MODULE_TAG,)


class NodeRole(enum.Enum):
    """What supplies a node's value."""

    FUNCTION = "function"
    """Computed by calling :attr:`Node.fn`."""
    INPUT = "input"
    """Supplied by the caller through ``inputs=`` (nobody in the graph defines it)."""
    CONFIG = "config"
    """Supplied by the driver's config."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a node comes from in user code, for errors and lineage."""

    function: str
    """Qualified name of the user function (``module.fn``)."""
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.function} ({self.file}:{self.line})"

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"


def origin_of(fn: Callable[..., Any]) -> Origin:
    """The :class:`Origin` of a user function, read from its code object (cheap, no source I/O)."""
    if type(fn) is types.FunctionType and "__wrapped__" not in fn.__dict__:
        code = fn.__code__
        return Origin(f"{fn.__module__}.{fn.__qualname__}", code.co_filename, code.co_firstlineno)
    target = inspect.unwrap(fn) if hasattr(fn, "__wrapped__") else fn
    found_code = getattr(target, "__code__", None)
    module = getattr(target, "__module__", None) or "?"
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", repr(target))
    if found_code is None:
        found_code = getattr(type(target).__call__, "__code__", None)
    if found_code is None:
        return Origin(f"{module}.{name}", "<unknown>", 0)
    return Origin(f"{module}.{name}", found_code.co_filename, found_code.co_firstlineno)


@dataclass(frozen=True, slots=True)
class Dependency:
    """One incoming edge of a node: the name of the node it needs and the type it expects."""

    name: str
    type: Any = Any
    optional: bool = False
    """An optional dependency (a parameter with a default) is left out of the call when no node
    or input supplies it, so the function's default applies."""


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    """One named value of the dataflow.

    ``fn`` is called with keyword arguments named after :attr:`dependencies` (present optional
    dependencies included, absent ones left out). Decorators that rename parameters generate a
    callable that maps dependency names back onto the user function's parameters.
    """

    name: str
    type: Any = Any
    fn: Callable[..., Any] | None = None
    dependencies: tuple[Dependency, ...] = ()
    role: NodeRole = NodeRole.FUNCTION
    tags: Mapping[str, Any] = field(default_factory=lambda: EMPTY_TAGS)
    doc: str = ""
    origin: Origin | None = None
    originating_functions: tuple[Callable[..., Any], ...] = ()
    is_async: bool = False

    @property
    def required_dependencies(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dependencies if not d.optional)

    @property
    def optional_dependencies(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dependencies if d.optional)

    @property
    def is_external(self) -> bool:
        return self.role is not NodeRole.FUNCTION

    def where(self) -> str:
        """``'module.fn (file.py:12)'`` for errors, or a short note for inputs and config."""
        if self.origin is not None:
            return str(self.origin)
        return f"<{self.role.value}>"

    def with_changes(self, **changes: Any) -> Node:
        """A copy with some fields replaced (nodes are immutable)."""
        if "tags" in changes and not isinstance(changes["tags"], types.MappingProxyType):
            changes["tags"] = types.MappingProxyType(dict(changes["tags"]))
        return replace(self, **changes)

    def with_tags(self, **tags: Any) -> Node:
        return self.with_changes(tags={**self.tags, **tags})

    def __repr__(self) -> str:
        deps = ", ".join(d.name for d in self.dependencies)
        return f"Node({self.name!r}: {type_name(self.type)} <- [{deps}])"

    def __reduce__(self) -> Any:
        # MappingProxyType does not pickle; carry tags as a plain dict.
        values = {name: getattr(self, name) for name in _NODE_FIELDS}
        values["tags"] = dict(self.tags)
        return (_node_from_fields, (values,))


_NODE_FIELDS = (
    "name", "type", "fn", "dependencies", "role", "tags", "doc", "origin",
    "originating_functions", "is_async",
)


def _node_from_fields(values: dict[str, Any]) -> Node:
    values = dict(values)
    values["tags"] = types.MappingProxyType(values["tags"])
    return Node(**values)


def type_name(annotation: Any) -> str:
    """A short, readable name for a type annotation (``Series``, ``list[int]``, ``int | None``)."""
    if annotation is Any:
        return "Any"
    if isinstance(annotation, type) and not getattr(annotation, "__args__", None):
        return annotation.__qualname__
    text = repr(annotation)
    for prefix in ("typing.", "pandas.core.series.", "pandas.core.frame.", "builtins."):
        text = text.replace(prefix, "")
    return text


def qualified_type_name(annotation: Any) -> str:
    """A type annotation named for an error message: classes carry their package, so
    ``pandas.Series`` and ``polars.Series`` never read alike (``int``, ``list[pandas.Series]``,
    ``numpy.ndarray | None``)."""
    if annotation is Any:
        return "Any"
    if annotation is None or annotation is type(None):
        return "None"
    args = typing.get_args(annotation)
    if isinstance(annotation, type) and not args:
        return _qualified_class_name(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return qualified_type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        return " | ".join(qualified_type_name(arg) for arg in args)
    if isinstance(origin, type) and args:
        return f"{_qualified_class_name(origin)}[{_qualified_arguments(args)}]"
    return type_name(annotation)


def _qualified_arguments(args: Any) -> str:
    named = []
    for arg in args:
        if arg is Ellipsis:
            named.append("...")
        elif isinstance(arg, (list, tuple)):  # Callable[[int, str], bool]
            named.append(f"[{_qualified_arguments(arg)}]")
        else:
            named.append(qualified_type_name(arg))
    return ", ".join(named)


def _qualified_class_name(cls: type) -> str:
    module = getattr(cls, "__module__", "") or ""
    name = cls.__qualname__
    if module == "builtins":
        return name
    root = module.split(".", 1)[0]
    if getattr(sys.modules.get(root), name, None) is cls:  # exported at the top: pandas.Series
        return f"{root}.{name}"
    return f"{module}.{name}"


# -- fast constructors for the build's hot loop -------------------------------------------------
# A frozen dataclass's __init__ sets each field through ``object.__setattr__`` looked up per
# field; setting the slots through their descriptors, bound once, is about twice as fast. These
# build exactly what ``Node(...)``, ``Dependency(...)`` and ``Origin(...)`` build (every field
# positional, no defaults) and are used where a build creates one of each per function.

def slot_setters(cls: type, names: tuple[str, ...]) -> tuple[Callable[[Any, Any], None], ...]:
    """The setters of the slots ``names`` of a frozen, slotted dataclass ``cls``, for
    constructors that fill a new instance without the dataclass ``__init__``."""
    return tuple(cls.__dict__[name].__set__ for name in names)


_ORIGIN_SET = slot_setters(Origin, ("function", "file", "line"))
_DEPENDENCY_SET = slot_setters(Dependency, ("name", "type", "optional"))
_NODE_SET = slot_setters(Node, _NODE_FIELDS)


def new_origin(function: str, file: str, line: int, _new: Any = object.__new__,
               _set: tuple[Callable[[Any, Any], None], ...] = _ORIGIN_SET) -> Origin:
    origin = _new(Origin)
    _set[0](origin, function)
    _set[1](origin, file)
    _set[2](origin, line)
    return origin  # type: ignore[no-any-return]


def new_dependency(name: str, type_: Any, optional: bool, _new: Any = object.__new__,
                   _set: tuple[Callable[[Any, Any], None], ...] = _DEPENDENCY_SET) -> Dependency:
    dependency = _new(Dependency)
    _set[0](dependency, name)
    _set[1](dependency, type_)
    _set[2](dependency, optional)
    return dependency  # type: ignore[no-any-return]


def new_node(name: str, type_: Any, fn: Callable[..., Any] | None,
             dependencies: tuple[Dependency, ...], role: NodeRole, tags: Mapping[str, Any],
             doc: str, origin: Origin | None,
             originating_functions: tuple[Callable[..., Any], ...], is_async: bool,
             _new: Any = object.__new__,
             _set: tuple[Callable[[Any, Any], None], ...] = _NODE_SET) -> Node:
    node = _new(Node)
    _set[0](node, name)
    _set[1](node, type_)
    _set[2](node, fn)
    _set[3](node, dependencies)
    _set[4](node, role)
    _set[5](node, tags)
    _set[6](node, doc)
    _set[7](node, origin)
    _set[8](node, originating_functions)
    _set[9](node, is_async)
    return node  # type: ignore[no-any-return]
