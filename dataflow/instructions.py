"""What decorators record on functions, and the context the resolve stage applies it in.

A decorator never wraps the call. It records an :class:`Instruction` on the function with
:func:`record`, and :func:`dataflow.resolve.nodes_from_function` applies the instructions in a
fixed order of phases, whatever order the decorators were written in. Each phase has its own
base class, with the one method that phase calls (abstract, so a subclass overriding the wrong
method cannot even be instantiated, and mypy says so first):

================  ===========================  ===============================================
phase             base class                   method
================  ===========================  ===============================================
``RESOLVE``       :class:`ResolveInstruction`  ``instructions(context)``: choose instructions
                                               from config (``@resolve``)
``CHOOSE``        :class:`ChooseInstruction`   ``is_active(context)``: does the function define
                                               nodes under this config (``@config.when``)
``CREATE``        :class:`CreateInstruction`   ``create(context)``: the function's first nodes
``INJECT``        :class:`InjectInstruction`   ``apply(context, nodes)``: bind parameters
``EXPAND``        :class:`ExpandInstruction`   ``apply(context, nodes)``: one node into many
``TRANSFORM``     :class:`TransformInstruction` ``apply(context, nodes)``: rewrite chosen nodes
``METADATA``      :class:`MetadataInstruction` ``apply(context, nodes)``: tags, schemas
================  ===========================  ===============================================

A decorator applied to a function that already belongs to a module (``b =
parameterize(...)(other_module.a)``) records on a copy: a function shared by several modules is
never changed (Hamilton's issue #1281). See :func:`own_function`.
"""

from __future__ import annotations

import abc
import enum
import sys
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from dataflow.errors import DecoratorError
from dataflow.marks import (
    COPY_OF_ATTRIBUTE,
    INSTRUCTIONS_ATTRIBUTE,
    REMOTE_ATTRIBUTE,
    REMOTE_AUTHORS_ATTRIBUTE,
)
from dataflow.node import Node, Origin
from dataflow.signatures import Signature, node_from_signature, read_signature

InvalidDecoratorException = DecoratorError
"""Hamilton's name for a misused decorator: ``except InvalidDecoratorException`` catches every
:class:`~dataflow.errors.DecoratorError` (a ``ValueError``, like all dataflow errors)."""


class DecoratorUsageError(DecoratorError, TypeError):
    """A decorator was given arguments it cannot use, found when decorating. Also a
    ``TypeError``, as Python raises for a call with wrong arguments."""


class MissingConfigParametersException(DecoratorError):
    """A decorator needs config keys the driver's config does not have (Hamilton's name)."""


class Phase(enum.IntEnum):
    """When an instruction applies; lower phases apply first."""

    RESOLVE = 0
    CHOOSE = 1
    CREATE = 2
    INJECT = 3
    EXPAND = 4
    TRANSFORM = 5
    METADATA = 6


@dataclass(slots=True)
class ResolveContext:
    """The function being resolved, its signature (read once), the config and the name its
    nodes take (the function's name, less a ``__variant`` suffix that config chooses)."""

    fn: Callable[..., Any]
    config: Mapping[str, Any]  # subdags pass a view that notes which keys are read
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

    def default_node(self, name: str | None = None) -> Node:
        """The node the function defines without decorators (named ``name`` if given)."""
        return node_from_signature(self.fn, self.signature, name or self.name)

    def error(self, instruction: Instruction | str, message: str) -> DecoratorError:
        """A :class:`DecoratorError` naming the decorator, the function and its file:line."""
        decorator = instruction if isinstance(instruction, str) else instruction.decorator_name
        return DecoratorError(f"@{decorator} on {self.origin}: {message}")


class Instruction(abc.ABC):
    """What a decorator records on a function. Subclass the base class of its phase.

    Instances must be picklable and must not be mutated after decoration.
    """

    phase: ClassVar[Phase]
    decorator_name: str = "decorator"
    """How errors name the decorator (``@decorator_name on module.fn (file:line): ...``)."""

    def required_config(self) -> Sequence[str]:
        """Config keys this instruction needs; a missing one is a build error naming it."""
        return ()


class ResolveInstruction(Instruction):
    """``RESOLVE``: chooses, from the config, the instructions to use in its place."""

    phase = Phase.RESOLVE

    @abc.abstractmethod
    def instructions(self, context: ResolveContext) -> Sequence[Instruction]:
        """The instructions to apply instead of this one."""


class ChooseInstruction(Instruction):
    """``CHOOSE``: whether the function defines nodes at all under this config."""

    phase = Phase.CHOOSE

    @abc.abstractmethod
    def is_active(self, context: ResolveContext) -> bool:
        """True when the function defines nodes under ``context.config``."""

    @abc.abstractmethod
    def describe(self) -> str:
        """The condition as the user wrote it (``config.when(region='eu')``), for messages."""

    def config_keys(self) -> Sequence[str] | None:
        """The config keys the condition reads; ``None`` when unknown (a custom predicate)."""
        return None


class CreateInstruction(Instruction):
    """``CREATE``: makes the function's first nodes (instead of the node read from its
    signature). A function takes at most one."""

    phase = Phase.CREATE

    @abc.abstractmethod
    def create(self, context: ResolveContext) -> list[Node]:
        """The function's first nodes."""


class NodesInstruction(Instruction):
    """Base of the phases that rewrite the function's current nodes."""

    @abc.abstractmethod
    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        """The function's nodes after this instruction."""


class InjectInstruction(NodesInstruction):
    """``INJECT``: binds parameters (to other nodes, literals, chains of steps...)."""

    phase = Phase.INJECT


class ExpandInstruction(NodesInstruction):
    """``EXPAND``: turns the node into several."""

    phase = Phase.EXPAND


class TransformInstruction(NodesInstruction):
    """``TRANSFORM``: rewrites some of the nodes (pipe their output, check them...)."""

    phase = Phase.TRANSFORM


class MetadataInstruction(NodesInstruction):
    """``METADATA``: attaches tags and schemas; never changes what is computed."""

    phase = Phase.METADATA


# -- recording ----------------------------------------------------------------------------------

_DECORATING_MODULES = ("dataflow.function_modifiers", "dataflow.instructions",
                       "dataflow.plugins")


def _calling_module() -> str | None:
    """The module of the first frame outside dataflow's decorator code: where the user applied
    the decorator."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not name.startswith(_DECORATING_MODULES):
            return name  # type: ignore[no-any-return]
        frame = frame.f_back  # type: ignore[assignment]
    return None


def copy_function(fn: types.FunctionType, module: str | None = None) -> types.FunctionType:
    """A new function object with ``fn``'s code, defaults, attributes and marks; ``fn`` itself
    is not changed. ``module`` (default: ``fn``'s) becomes the copy's ``__module__``."""
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                              fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    copy.__dict__.update(fn.__dict__)
    copy.__module__ = module or fn.__module__
    copy.__qualname__ = fn.__qualname__
    copy.__doc__ = fn.__doc__
    copy.__annotations__ = dict(getattr(fn, "__annotations__", {}))
    setattr(copy, COPY_OF_ATTRIBUTE, fn.__dict__.get(COPY_OF_ATTRIBUTE, fn))
    return copy


def own_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The function a decorator may record on: ``fn`` itself while it is being defined (the
    usual ``@decorator`` over a ``def``), or a copy when ``fn`` already belongs to a module
    (imported from another module, or decorated again after its definition), so that every
    other user of ``fn`` keeps the function it had. The copy belongs to the module that
    applied the decorator.

    >>> import json
    >>> copied = own_function(json.dumps)
    >>> copied is not json.dumps and copied.__code__ is json.dumps.__code__
    True
    """
    if type(fn) is not types.FunctionType:
        return fn
    home = sys.modules.get(fn.__module__)
    if home is None or getattr(home, "__dict__", {}).get(fn.__name__) is not fn:
        return fn
    return copy_function(fn, _calling_module())


def record(fn: Callable[..., Any], instruction: Instruction) -> Callable[..., Any]:
    """Attach ``instruction`` to ``fn`` (or to a copy of it, see :func:`own_function`) and
    return the function that carries it. Decorators return what this returns."""
    target = own_function(fn)
    existing = target.__dict__.get(INSTRUCTIONS_ATTRIBUTE, ())
    setattr(target, INSTRUCTIONS_ATTRIBUTE, (*existing, instruction))
    return target


def instructions_of(fn: Callable[..., Any]) -> tuple[Instruction, ...]:
    return getattr(fn, INSTRUCTIONS_ATTRIBUTE, ())  # type: ignore[no-any-return]


def record_remote(
    fn: Callable[..., Any], target: Callable[..., Any] | str, instruction: Instruction
) -> Callable[..., Any]:
    """Record on ``fn`` an ``instruction`` for the function ``target`` (a function or its name)
    and return the function that carries it.

    The target function is never touched: the resolve stage gathers these from the modules it
    is given (:func:`dataflow.collect.remote_authors`) and hands them to the target's
    :func:`~dataflow.resolve.nodes_from_function` as ``extra``. ``fn`` is also listed in its
    module's namespace, so that a later ``def`` of the same name does not lose it.
    """
    author = own_function(fn)
    existing = author.__dict__.get(REMOTE_ATTRIBUTE, ())
    setattr(author, REMOTE_ATTRIBUTE, (*existing, (target, instruction)))
    _list_remote_author(author)
    return author


def _list_remote_author(author: Callable[..., Any]) -> None:
    namespace = getattr(author, "__globals__", None)
    if not isinstance(namespace, dict):
        return
    spec = namespace.get("__spec__")
    entry: tuple[Any, list[Callable[..., Any]]] | None = namespace.get(REMOTE_AUTHORS_ATTRIBUTE)
    if entry is None or entry[0] is not spec:  # first author, or the module runs again (reload)
        entry = (spec, [])
        namespace[REMOTE_AUTHORS_ATTRIBUTE] = entry
    if not any(listed is author for listed in entry[1]):
        entry[1].append(author)


def remote_instructions_of(
    fn: Callable[..., Any],
) -> tuple[tuple[Callable[..., Any] | str, Instruction], ...]:
    return getattr(fn, REMOTE_ATTRIBUTE, ())  # type: ignore[no-any-return]
