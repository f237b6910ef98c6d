"""Stage 2, *resolve*: one function + config → its nodes, through its decorators.

Decorators never wrap the call. Each records an :class:`Instruction` on the function (see
:func:`record`), and :func:`nodes_from_function` applies the instructions in a fixed order of
phases, whatever order they were written in:

``RESOLVE`` (instructions chosen from config) → ``CHOOSE`` (config filters) → ``CREATE``
(the first nodes: by default one node read from the signature) → ``INJECT`` (bind parameters to
sources / values) → ``EXPAND`` (one node into many) → ``TRANSFORM`` (rewrite chosen nodes) →
``METADATA`` (tags, schemas).

Within a phase, instructions apply in the order the decorators were applied (innermost first).
The signature and type hints of a function are read once, here, and shared through
:class:`ResolveContext`.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import inspect
import threading
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from dataflow.errors import DecoratorError, GraphBuildError, InvalidFunctionError
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

INSTRUCTIONS_ATTRIBUTE = "__dataflow_instructions__"


class Phase(enum.IntEnum):
    """When an instruction applies; lower phases apply first."""

    RESOLVE = 0
    CHOOSE = 1
    CREATE = 2
    INJECT = 3
    EXPAND = 4
    TRANSFORM = 5
    METADATA = 6


class Instruction:
    """What a decorator records on a function. Subclasses override the method of their phase.

    * ``RESOLVE``: :meth:`instructions` returns the instructions to use given the config.
    * ``CHOOSE``: :meth:`is_active` says whether the function defines nodes under this config.
    * ``CREATE``: :meth:`apply` receives ``[]`` and returns the function's first nodes.
    * other phases: :meth:`apply` receives the current nodes and returns the new list.

    Instances must be picklable and must not be mutated after decoration.
    """

    phase: ClassVar[Phase] = Phase.METADATA
    decorator_name: ClassVar[str] = "decorator"

    def required_config(self) -> Sequence[str]:
        """Config keys this instruction needs; a missing one is a build error naming it."""
        return ()

    def instructions(self, context: ResolveContext) -> Sequence[Instruction]:
        raise NotImplementedError

    def is_active(self, context: ResolveContext) -> bool:
        raise NotImplementedError

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        raise NotImplementedError


def record(fn: Callable[..., Any], instruction: Instruction) -> Callable[..., Any]:
    """Attach ``instruction`` to ``fn`` (a new tuple each time; tuples are never mutated)."""
    existing = fn.__dict__.get(INSTRUCTIONS_ATTRIBUTE, ())
    setattr(fn, INSTRUCTIONS_ATTRIBUTE, (*existing, instruction))
    return fn


def instructions_of(fn: Callable[..., Any]) -> tuple[Instruction, ...]:
    return getattr(fn, INSTRUCTIONS_ATTRIBUTE, ())


REMOTE_ATTRIBUTE = "__dataflow_remote_instructions__"
"""Where decorators such as ``@mutate`` record instructions meant for *other* functions."""


def record_remote(
    fn: Callable[..., Any], target: Callable[..., Any] | str, instruction: Instruction
) -> Callable[..., Any]:
    """Record on ``fn`` an ``instruction`` for the function ``target`` (a function or its name).

    The target function is never touched: the build stage gathers these from the modules it
    is given and hands them to the target's :func:`nodes_from_function` as ``extra``.
    """
    existing = fn.__dict__.get(REMOTE_ATTRIBUTE, ())
    setattr(fn, REMOTE_ATTRIBUTE, (*existing, (target, instruction)))
    return fn


def remote_instructions_of(
    fn: Callable[..., Any],
) -> tuple[tuple[Callable[..., Any] | str, Instruction], ...]:
    return getattr(fn, REMOTE_ATTRIBUTE, ())


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
    return hints


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


@dataclass(slots=True)
class ResolveContext:
    """The function being resolved, its signature (read once) and the config."""

    fn: Callable[..., Any]
    config: Mapping[str, Any]
    name: str
    _signature: Signature | None = field(default=None, repr=False)

    @property
    def signature(self) -> Signature:
        if self._signature is None:
            self._signature = read_signature(self.fn)
        return self._signature

    @property
    def origin(self) -> Origin:
        return self.signature.origin

    def error(self, instruction: Instruction | str, message: str) -> DecoratorError:
        """A :class:`DecoratorError` naming the decorator, the function and its file:line."""
        decorator = instruction if isinstance(instruction, str) else instruction.decorator_name
        return DecoratorError(f"@{decorator} on {self.origin}: {message}")


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


def node_from_signature(context: ResolveContext, name: str | None = None) -> Node:
    """The default node of a function: its name, its parameters, its return annotation."""
    signature = context.signature
    return Node(
        name=name or context.name,
        type=signature.return_type,
        fn=context.fn,
        dependencies=dependencies_of(signature, signature.origin),
        tags=module_tags(getattr(context.fn, "__module__", None) or ""),
        doc=signature.doc,
        origin=signature.origin,
        originating_functions=(context.fn,),
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
    when anything is unusual (wrapped, ``*args``, unresolvable annotations, ...), so the general
    path handles it and reports errors. Same result as :func:`node_from_signature`, several
    times cheaper: a feature module is mostly such functions, and this is the build's hot loop."""
    if type(fn) is not types.FunctionType:
        return None
    attributes = fn.__dict__
    if attributes and ("__signature__" in attributes or "__wrapped__" in attributes):
        return None
    code = fn.__code__
    if code.co_flags & _CO_UNSUPPORTED or code.co_posonlyargcount:
        return None
    hints = fn.__annotations__
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
        hints.get("return", Any),
        fn,
        tuple(dependencies),
        NodeRole.FUNCTION,
        module_tags(module or ""),
        inspect.cleandoc(doc) if doc else "",
        new_origin(f"{module}.{fn.__qualname__}", code.co_filename, code.co_firstlineno),
        (fn,),
        bool(code.co_flags & _CO_COROUTINE),
    )


def base_name(fn: Callable[..., Any], instructions: Sequence[Instruction]) -> str:
    """The node name a function defines: its name, less a ``__suffix`` when config chooses it."""
    name: str = fn.__name__
    if "__" in name.strip("_") and any(i.phase is Phase.CHOOSE for i in instructions):
        name = name.rsplit("__", 1)[0]
    return name


def active_instructions(
    fn: Callable[..., Any], config: Mapping[str, Any], context: ResolveContext,
    extra: Sequence[Instruction] = (),
) -> list[Instruction]:
    """The function's instructions with ``RESOLVE`` ones replaced by what they choose."""
    result: list[Instruction] = []
    for instruction in (*instructions_of(fn), *extra):
        _require_config(instruction, config, context)
        if instruction.phase is Phase.RESOLVE:
            chosen = list(instruction.instructions(context))
            for inner in chosen:
                _require_config(inner, config, context)
            result.extend(chosen)
        else:
            result.append(instruction)
    return result


def _require_config(
    instruction: Instruction, config: Mapping[str, Any], context: ResolveContext
) -> None:
    missing = [key for key in instruction.required_config() if key not in config]
    if missing:
        raise context.error(
            instruction,
            f"needs config key(s) {', '.join(repr(k) for k in missing)}, which the driver's "
            "config does not have. Pass them with Builder().with_config({...}).",
        )


def nodes_from_function(
    fn: Callable[..., Any], config: Mapping[str, Any], extra: Sequence[Instruction] = ()
) -> list[Node]:
    """All nodes ``fn`` defines under ``config`` (``[]`` when a config filter excludes it).

    ``extra`` holds instructions other functions recorded for ``fn`` (``@mutate``); they apply
    after ``fn``'s own instructions of the same phase."""
    if not extra and not instructions_of(fn):
        plain = plain_node(fn)
        if plain is not None:
            return [plain]
        return [node_from_signature(ResolveContext(fn, config, fn.__name__))]
    context = ResolveContext(fn, config, fn.__name__)
    instructions = active_instructions(fn, config, context, extra)
    context.name = base_name(fn, instructions)
    by_phase: dict[Phase, list[Instruction]] = {}
    for instruction in instructions:
        by_phase.setdefault(instruction.phase, []).append(instruction)
    for chooser in by_phase.get(Phase.CHOOSE, ()):
        if not chooser.is_active(context):
            return []
    creators = by_phase.get(Phase.CREATE, [])
    if len(creators) > 1:
        names = ", ".join(f"@{c.decorator_name}" for c in creators)
        raise GraphBuildError(
            f"{context.origin}: {names} each create the function's nodes; use only one of them."
        )
    nodes = creators[0].apply(context, []) if creators else [node_from_signature(context)]
    for phase in (Phase.INJECT, Phase.EXPAND, Phase.TRANSFORM, Phase.METADATA):
        for instruction in by_phase.get(phase, ()):
            nodes = instruction.apply(context, nodes)
    return nodes
