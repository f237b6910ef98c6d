"""Reading functions: parameters, resolved annotations, docstring and location, read once.

The resolve stage (:mod:`dataflow.resolve`) and the decorators read every function through this
module. :func:`plain_node` is the build's hot loop (a feature module is mostly undecorated
functions): it reads a plain function straight from its code object. Everything unusual goes
through :func:`read_signature`, which reports problems with the function's ``file:line``.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
import threading
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from dataflow.errors import InvalidFunctionError
from dataflow.node import (
    MODULE_TAG,
    Dependency,
    Node,
    NodeRole,
    Origin,
    new_dependency,
    new_node,
    new_origin,
    origin_of,
)

ParameterFact = tuple[str, "inspect._ParameterKind", bool]
"""``(name, kind, has_default)``: what building dependencies needs to know of a parameter."""

_VARARGS = inspect.CO_VARARGS
_VARKEYWORDS = inspect.CO_VARKEYWORDS
_P = inspect.Parameter


def parameter_facts(fn: Callable[..., Any]) -> tuple[ParameterFact, ...]:
    """The parameters of ``fn`` in signature order, read from its code object when it is a plain
    function (about ten times cheaper than :func:`inspect.signature`), else from the signature."""
    if type(fn) is not types.FunctionType or "__signature__" in fn.__dict__ \
            or "__wrapped__" in fn.__dict__:
        return tuple((p.name, p.kind, p.default is not _P.empty)
                     for p in inspect.signature(fn).parameters.values())
    code = fn.__code__
    positional = code.co_argcount
    keyword_only = code.co_kwonlyargcount
    names = code.co_varnames
    first_default = positional - len(fn.__defaults__ or ())
    keyword_defaults = fn.__kwdefaults__ or {}
    facts: list[ParameterFact] = []
    for index in range(positional):
        kind = _P.POSITIONAL_ONLY if index < code.co_posonlyargcount else _P.POSITIONAL_OR_KEYWORD
        facts.append((names[index], kind, index >= first_default))
    extra = positional + keyword_only
    if code.co_flags & _VARARGS:
        facts.append((names[extra], _P.VAR_POSITIONAL, False))
        extra += 1
    for name in names[positional:positional + keyword_only]:
        facts.append((name, _P.KEYWORD_ONLY, name in keyword_defaults))
    if code.co_flags & _VARKEYWORDS:
        facts.append((names[extra], _P.VAR_KEYWORD, False))
    return tuple(facts)


_build_scope = threading.local()


@contextlib.contextmanager
def shared_annotation_cache() -> Iterator[None]:
    """Within this block, string annotations (``from __future__ import annotations``) are
    evaluated once per module and text: a feature module says ``pd.Series`` hundreds of times.
    The cache lives only as long as the block, so it never outlives the modules it read."""
    outer = getattr(_build_scope, "cache", None)
    if outer is None:
        _build_scope.cache = {}
    try:
        yield
    finally:
        if outer is None:
            _build_scope.cache = None


def annotations_of(fn: Callable[..., Any]) -> dict[str, Any]:
    """Resolved annotations of ``fn``, as :func:`typing.get_type_hints` gives them.

    Plain functions take a fast path: annotations that are objects are used as they are, and
    strings are evaluated in the function's globals (memoised inside
    :func:`shared_annotation_cache`). Anything unusual, and every failure, goes through
    ``get_type_hints`` so errors read the same.
    """
    raw = getattr(fn, "__annotations__", None)
    if type(fn) is not types.FunctionType or not isinstance(raw, dict):
        return typing.get_type_hints(fn, include_extras=True)
    cache = getattr(_build_scope, "cache", None)
    namespace = fn.__globals__
    hints: dict[str, Any] = {}
    for name, annotation in raw.items():
        if isinstance(annotation, str):
            key = (id(namespace), annotation)
            if cache is not None and key in cache:
                annotation = cache[key]
            else:
                try:
                    annotation = eval(annotation, namespace)  # what get_type_hints does too
                except Exception:
                    return typing.get_type_hints(fn, include_extras=True)
                if cache is not None:
                    cache[key] = annotation
        hints[name] = type(None) if annotation is None else annotation
    if _IMPLICIT_OPTIONAL:
        _add_implicit_optional(fn, hints)
    return hints


_IMPLICIT_OPTIONAL = sys.version_info < (3, 11)
"""Python 3.10's ``get_type_hints`` reads ``x: int = None`` as ``Optional[int]`` (3.11 dropped
that); the fast path does the same, so types match Python's own reading (and Hamilton's)."""


def _add_implicit_optional(fn: types.FunctionType, hints: dict[str, Any]) -> None:
    code = fn.__code__
    defaults = fn.__defaults__ or ()
    names = code.co_varnames[:code.co_argcount]
    given = dict(zip(names[len(names) - len(defaults):], defaults))
    given.update(fn.__kwdefaults__ or {})
    for name, default in given.items():
        if default is None and name in hints:
            hints[name] = typing.Optional[hints[name]]  # noqa: UP045  (3.10 spells it so)


def _has_none_default(fn: types.FunctionType) -> bool:
    # ``is``, not ``in``: a default may be an array whose ``==`` has no truth value
    return (any(d is None for d in fn.__defaults__ or ())
            or any(d is None for d in (fn.__kwdefaults__ or {}).values()))


class Signature:
    """What the resolve stage reads from a function, once.

    ``facts`` (cheap) drive dependency building; ``parameters`` (full
    :class:`inspect.Parameter` objects, for decorators that need defaults) are read on first use.
    """

    __slots__ = ("_parameters", "doc", "facts", "fn", "hints", "is_async", "origin",
                 "return_type")

    def __init__(self, fn: Callable[..., Any], facts: tuple[ParameterFact, ...],
                 hints: Mapping[str, Any], doc: str, origin: Origin, is_async: bool) -> None:
        self.fn = fn
        self.facts = facts
        self.hints = hints
        self.return_type = hints.get("return", Any)
        self.doc = doc
        self.origin = origin
        self.is_async = is_async
        self._parameters: tuple[inspect.Parameter, ...] | None = None

    @property
    def parameters(self) -> tuple[inspect.Parameter, ...]:
        if self._parameters is None:
            self._parameters = tuple(inspect.signature(self.fn).parameters.values())
        return self._parameters

    @property
    def has_return_annotation(self) -> bool:
        return "return" in self.hints


def read_signature(fn: Callable[..., Any]) -> Signature:
    """Parameters, resolved annotations, docstring and location of ``fn``.

    Annotations are resolved with :func:`typing.get_type_hints`, so modules using
    ``from __future__ import annotations`` work. An unresolvable annotation is a build error
    naming the function and its file:line.
    """
    origin = origin_of(fn)
    try:
        facts = parameter_facts(fn)
    except (TypeError, ValueError) as error:
        raise InvalidFunctionError(f"Cannot read the signature of {origin}: {error}") from error
    try:
        hints = annotations_of(fn)
    except Exception as error:  # NameError for undefined names, TypeError for bad annotations
        raise InvalidFunctionError(
            f"Cannot resolve the type annotations of {origin}: {error}. Import every name used "
            "in an annotation at module level (an `if TYPE_CHECKING:` import is not enough)."
        ) from error
    doc = fn.__doc__
    return Signature(
        fn,
        facts,
        hints,
        inspect.cleandoc(doc) if doc else "",
        origin,
        inspect.iscoroutinefunction(fn),
    )


def dependencies_of(signature: Signature, origin: Origin) -> tuple[Dependency, ...]:
    """One dependency per parameter; parameters with defaults are optional."""
    deps = []
    hints = signature.hints
    for name, kind, has_default in signature.facts:
        if kind is _P.VAR_POSITIONAL:
            problem = f"*{name} cannot name a dependency"
        elif kind is _P.VAR_KEYWORD:
            problem = f"**{name} cannot name a dependency"
        elif kind is _P.POSITIONAL_ONLY:
            problem = f"positional-only parameter {name!r} cannot be passed by name"
        else:
            deps.append(Dependency(name, hints.get(name, Any), has_default))
            continue
        raise InvalidFunctionError(
            f"{origin}: {problem}. Every parameter of a node function must be a named "
            "parameter whose name is the node it depends on."
        )
    return tuple(deps)


LAMBDA_NAME = "<lambda>"


def require_node_function(fn: Callable[..., Any], signature: Signature) -> None:
    """Refuse what cannot define a node: a lambda (it has no name to give the node) and a
    function without a return annotation (the node's type; Hamilton refuses those too)."""
    if getattr(fn, "__name__", None) == LAMBDA_NAME:
        raise InvalidFunctionError(
            f"{signature.origin}: a lambda cannot define a node (its name is '<lambda>'). Write "
            "it as `def name(param: T) -> R:`; the function's name becomes the node's name.")
    if not signature.has_return_annotation:
        raise InvalidFunctionError(
            f"{signature.origin}: {getattr(fn, '__name__', fn)!r} has no return annotation. A "
            "node's type is its function's return annotation, and edges are checked against it: "
            f"write `def {getattr(fn, '__name__', 'f')}(...) -> T:` (`-> typing.Any` accepts "
            "anything).")


def node_from_signature(fn: Callable[..., Any], signature: Signature, name: str) -> Node:
    """The default node of a function: its name, its parameters, its return annotation."""
    require_node_function(fn, signature)
    return Node(
        name=name,
        type=signature.return_type,
        fn=fn,
        dependencies=dependencies_of(signature, signature.origin),
        tags=module_tags(getattr(fn, "__module__", None) or ""),
        doc=signature.doc,
        origin=signature.origin,
        originating_functions=(fn,),
        is_async=signature.is_async,
    )


_CO_UNSUPPORTED = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS
_CO_COROUTINE = inspect.CO_COROUTINE


@functools.lru_cache(maxsize=4096)
def module_tags(module_name: str) -> Mapping[str, Any]:
    """The tags every undecorated node of ``module_name`` carries (one shared read-only map)."""
    return types.MappingProxyType({MODULE_TAG: module_name})


def plain_node(fn: Callable[..., Any]) -> Node | None:
    """The node of an undecorated plain function, read straight from its code object; ``None``
    when anything is unusual (wrapped, ``*args``, no return annotation, unresolvable
    annotations, ...), so the general path handles it and reports errors. Same result as
    :func:`node_from_signature`, several times cheaper: a feature module is mostly such
    functions, and this is the build's hot loop."""
    if type(fn) is not types.FunctionType:
        return None
    attributes = fn.__dict__
    if attributes and ("__signature__" in attributes or "__wrapped__" in attributes):
        return None
    code = fn.__code__
    if code.co_flags & _CO_UNSUPPORTED or code.co_posonlyargcount:
        return None
    hints = fn.__annotations__
    if "return" not in hints:
        return None
    if _IMPLICIT_OPTIONAL and _has_none_default(fn):
        try:
            hints = annotations_of(fn)
        except Exception:
            return None
    for annotation in hints.values():
        if annotation is None or type(annotation) is str:  # resolve them as get_type_hints does
            try:
                hints = annotations_of(fn)
            except Exception:
                return None
            break
    positional = code.co_argcount
    names = code.co_varnames
    defaults = fn.__defaults__
    first_default = positional - len(defaults) if defaults else positional
    keyword_defaults = fn.__kwdefaults__ or {}
    dependencies = []
    for index in range(positional + code.co_kwonlyargcount):
        name = names[index]
        optional = index >= first_default if index < positional else name in keyword_defaults
        dependencies.append(new_dependency(name, hints.get(name, Any), optional))
    doc = fn.__doc__
    module = fn.__module__
    return new_node(
        fn.__name__,
        hints["return"],
        fn,
        tuple(dependencies),
        NodeRole.FUNCTION,
        module_tags(module or ""),
        inspect.cleandoc(doc) if doc else "",
        new_origin(f"{module}.{fn.__qualname__}", code.co_filename, code.co_firstlineno),
        (fn,),
        bool(code.co_flags & _CO_COROUTINE),
    )
