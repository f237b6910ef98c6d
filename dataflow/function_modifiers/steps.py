"""Steps: one function applied to a value flowing through a chain, and the chains of nodes
they make. :func:`step` and :func:`~dataflow.function_modifiers.mutations.apply_to` build an
:class:`Applicable`; ``pipe_input``, ``pipe_output`` (:mod:`~dataflow.function_modifiers.pipes`)
and ``mutate`` (:mod:`~dataflow.function_modifiers.mutations`) turn lists of them into nodes
with :func:`chain_steps` and :func:`pipe_node_output`.

Each step's *first* parameter receives the previous value; its other parameters are bound to
``source(...)``, ``value(...)``, ``group(...)``, ``configuration(...)`` or plain literals.

>>> def _scale(v: float, factor: float) -> float:
...     return v * factor
>>> step(_scale, factor=2.0).named("scaled").name
'scaled'
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from dataflow.errors import DecoratorError, did_you_mean
from dataflow.function_modifiers.binding import BindingError, bind_parameters
from dataflow.function_modifiers.conditions import ConfigCondition
from dataflow.function_modifiers.dependencies import (
    LiteralDependency,
    ParametrizedDependency,
    UpstreamDependency,
)
from dataflow.function_modifiers.targets import Target
from dataflow.instructions import DecoratorUsageError, Instruction, ResolveContext
from dataflow.node import DECORATOR_TAG, MODULE_TAG, Dependency, Node, origin_of, type_name
from dataflow.signatures import Signature, dependencies_of, read_signature
from dataflow.type_rules import edge_accepts

__all__ = ["Applicable", "PipeExit", "chain_steps", "check_applicables", "check_namespace",
           "module_tag_of", "pipe_node_output", "step", "step_node"]


# -- steps --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Applicable:
    """A function applied to a value in a chain; what :func:`step` and :func:`apply_to` return.

    Immutable: ``when``/``named``/``on_output``/... return a changed copy.
    """

    fn: Callable[..., Any] | None
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    target_fn: Callable[..., Any] | str | None = None
    conditions: tuple[ConfigCondition, ...] = ()
    name: str | None = None
    namespace: Any = ...
    target: Any = None

    def _condition(self, kind: str, pairs: Mapping[str, Any]) -> Applicable:
        condition = ConfigCondition.of(kind, pairs, "step(...)")
        return replace(self, conditions=(*self.conditions, condition))

    def when(self, **key_value_pairs: Any) -> Applicable:
        """Apply only when every key has the given value in the config (an absent key reads as
        ``None``, as for ``@config.when``)."""
        return self._condition("when", key_value_pairs)

    def when_not(self, **key_value_pairs: Any) -> Applicable:
        """Apply only when no key has the given value in the config."""
        return self._condition("when_not", key_value_pairs)

    def when_in(self, **key_value_group_pairs: Collection[Any]) -> Applicable:
        """Apply only when every key's config value is one of the listed values."""
        return self._condition("when_in", key_value_group_pairs)

    def when_not_in(self, **key_value_group_pairs: Collection[Any]) -> Applicable:
        """Apply only when no key's config value is one of the listed values."""
        return self._condition("when_not_in", key_value_group_pairs)

    def named(self, name: str, namespace: Any = ...) -> Applicable:
        """Name the step's node. In ``@pipe_input``, ``namespace=...`` keeps the chain's
        namespace (by default the decorated function's name: ``f.name``), ``None`` drops it, a
        string replaces it. ``@pipe_output`` and ``@mutate`` always use the chain's namespace
        (as Hamilton does). ``name=""`` names the node after its namespace alone (``"ns."``),
        as in Hamilton's examples."""
        if not isinstance(name, str):
            raise DecoratorUsageError(
                f"step(...).named() takes a node name (str); got {name!r}")
        _check_namespace_value(namespace, "step(...).named()")
        return replace(self, name=name, namespace=self.namespace if namespace is ... else namespace)

    def namespaced(self, namespace: Any) -> Applicable:
        """Set the step's namespace only (``...``, ``None`` or a string)."""
        _check_namespace_value(namespace, "step(...).namespaced()")
        return replace(self, namespace=namespace)

    def on_output(self, target: Target) -> Applicable:
        """For ``pipe_output``/``mutate`` on a function with several output nodes (e.g. after
        ``extract_columns``): apply this step only to the named output node(s)."""
        return replace(self, target=target)

    def resolves(self, config: Mapping[str, Any]) -> bool:
        """True when every ``.when*`` condition holds for ``config``."""
        return all(c.holds(config) for c in self.conditions)

    @property
    def keyword_args(self) -> dict[str, Any]:
        return dict(self.kwargs)


def step(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Applicable:
    """One link of a chain: ``fn`` gets the previous value as its first parameter, and
    ``args``/``kwargs`` for the others: ``source("node")``, ``value(x)`` or a plain literal.

    >>> def _scale(v: float, factor: float) -> float:
    ...     return v * factor
    >>> step(_scale, factor=2.0).named("scaled").name
    'scaled'
    """
    if not callable(fn) or isinstance(fn, str):
        raise DecoratorUsageError(
            f"step() takes a function first; got {fn!r}")
    return Applicable(fn, tuple(args), tuple(kwargs.items()))


def _check_namespace_value(namespace: Any, where: str) -> None:
    if not (namespace is ... or namespace is None or isinstance(namespace, str)):
        raise DecoratorUsageError(
            f"{where}: namespace must be ..., None or a string; got "
            f"{namespace!r}")


# -- building chains ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PipeExit:
    """The last node of an output chain: passes the value of ``source`` on under the original
    name. A top-level class (not a closure) so nodes pickle."""

    source: str

    def __call__(self, **kwargs: Any) -> Any:
        return kwargs[self.source]

    def with_names(self, renamed: Mapping[str, str]) -> PipeExit:
        """The same callable after its input was renamed (subdag namespacing)."""
        return PipeExit(renamed.get(self.source, self.source))


@functools.lru_cache(maxsize=2048)
def _signature(fn: Callable[..., Any]) -> Signature:
    return read_signature(fn)


def _step_error(decorator: str, context: ResolveContext, applicable: Applicable,
                message: str) -> DecoratorError:
    fn = applicable.fn
    where = origin_of(fn) if fn is not None else "?"
    return context.error(decorator, f"step {getattr(fn, '__name__', fn)!r} ({where}): {message}")


def _default_step_name(fn: Callable[..., Any]) -> str:
    name = fn.__name__
    return "with" + name if name.startswith("_") else "with_" + name


def _namespaced(namespace: str | None, name: str) -> str:
    return f"{namespace}.{name}" if namespace else name


def _step_name(applicable: Applicable, namespace: Any, chain_namespace_only: bool) -> str | None:
    """The explicit node name of a step (``None`` when it takes the default name)."""
    if applicable.name is None:
        return None
    own = namespace if chain_namespace_only or applicable.namespace is ... \
        else applicable.namespace
    return _namespaced(own, applicable.name) if applicable.name else f"{own}." if own else ""


def step_node(
    applicable: Applicable,
    chained: Node | Dependency,
    node_name: str,
    context: ResolveContext,
    decorator: str,
    tags: Mapping[str, Any],
) -> Node:
    """The node of one step: ``applicable.fn`` with its first parameter fed by ``chained``
    and its other parameters bound to sources, values or literals."""
    fn = applicable.fn
    assert fn is not None
    try:
        signature = _signature(fn)
        deps = dependencies_of(signature, signature.origin)
    except Exception as error:  # *args, positional-only, unresolvable annotations
        raise _step_error(decorator, context, applicable, str(error)) from None
    origin = signature.origin
    if not deps:
        raise _step_error(decorator, context, applicable,
                          "it has no parameters; a step's first parameter receives the piped "
                          "value, so give it one (e.g. `def f(value: T) -> T`).")
    names = [d.name for d in deps]
    for keyword in applicable.keyword_args:
        if keyword == names[0]:
            raise _step_error(decorator, context, applicable,
                              f"{keyword}= is given, but the first parameter ({keyword!r}) "
                              "receives the piped value; drop it from the step's arguments.")
        if keyword not in names:
            raise _step_error(decorator, context, applicable,
                              f"it has no parameter {keyword!r}; its parameters are "
                              f"{', '.join(names)}.{did_you_mean(keyword, names)}")
    python_signature = inspect.Signature(list(signature.parameters))
    try:
        bound = python_signature.bind(..., *applicable.args, **applicable.keyword_args)
    except TypeError as error:
        raise _step_error(
            decorator, context, applicable,
            f"its arguments do not fit its signature {python_signature}"
            f" ({error}). The first parameter ({deps[0].name!r}) receives the piped value; pass "
            "every other parameter without a default as source(...), value(...) or a literal.",
        ) from None
    bound.apply_defaults()  # unbound parameters keep their defaults; they never become inputs
    first = deps[0]
    produced_type = chained.type
    if not edge_accepts(produced_type, first.type):
        raise _step_error(
            decorator, context, applicable,
            f"its first parameter {first.name!r} is annotated {type_name(first.type)}, but the "
            f"value piped into it ({chained.name!r}) is {type_name(produced_type)}. Make the "
            "annotations agree.",
        )
    bindings: dict[str, ParametrizedDependency] = {first.name: UpstreamDependency(chained.name)}
    for parameter, argument in list(bound.arguments.items())[1:]:
        if isinstance(argument, Applicable):
            raise _step_error(
                decorator, context, applicable,
                f"parameter {parameter!r} is given a step(...); steps cannot be nested. Give "
                "the intermediate its own node and pass it with source('node').")
        bindings[parameter] = (argument if isinstance(argument, ParametrizedDependency)
                               else LiteralDependency(argument))
    base = Node(
        name=node_name,
        type=signature.return_type,
        fn=fn,
        dependencies=deps,
        tags=types.MappingProxyType({**tags, DECORATOR_TAG: decorator}),
        doc=signature.doc,
        origin=origin,
        originating_functions=(context.fn, fn),
        is_async=signature.is_async,
    )
    try:
        return bind_parameters(base, bindings, context.config)
    except BindingError as error:
        raise _step_error(decorator, context, applicable, str(error)) from None


def chain_steps(
    applicables: Sequence[Applicable],
    start: Node | Dependency,
    namespace: str | None,
    context: ResolveContext,
    decorator: str,
    tags: Mapping[str, Any],
    taken: set[str],
    chain_namespace_only: bool = False,
) -> list[Node]:
    """Nodes for the active ``applicables``, each fed by the previous (the first by ``start``).

    ``namespace`` is the chain's namespace; a step's own ``.named(..., namespace=)`` wins unless
    ``chain_namespace_only`` (``pipe_output`` and ``mutate``, as in Hamilton). Default names are
    ``with_<fn>``, suffixed ``_1``, ``_2``... by how many earlier active steps of this chain
    apply a function of that name, named or not (Hamilton's numbering), and further while the
    name is ``taken``."""
    nodes: list[Node] = []
    previous: Node | Dependency = start
    uses: dict[str, int] = {}
    for applicable in applicables:
        if not applicable.resolves(context.config):
            continue
        assert applicable.fn is not None
        fn_name = applicable.fn.__name__
        count = uses.get(fn_name, 0)
        uses[fn_name] = count + 1
        name = _step_name(applicable, namespace, chain_namespace_only)
        if name is None:
            own = namespace if chain_namespace_only or applicable.namespace is ... \
                else applicable.namespace
            stem = _namespaced(own, _default_step_name(applicable.fn))
            name = f"{stem}_{count}" if count else stem
            while name in taken:
                count += 1
                name = f"{stem}_{count}"
        elif not name:
            raise _step_error(decorator, context, applicable,
                              "its node name is empty: .named('') without a namespace. Give "
                              "the step a name.")
        if name in taken:
            raise _step_error(decorator, context, applicable,
                              f"its node name {name!r} is already used in this chain; give the "
                              "step another name with .named(...).")
        taken.add(name)
        node = step_node(applicable, previous, name, context, decorator, tags)
        nodes.append(node)
        previous = node
    return nodes


def check_applicables(applicables: Sequence[Any], decorator: str) -> tuple[Applicable, ...]:
    for item in applicables:
        if not isinstance(item, Applicable) or item.fn is None:
            raise DecoratorUsageError(
                f"@{decorator} takes step(function, ...) items; got {item!r}. Wrap each "
                "function: step(fn, other_param=source('node')).")
    return tuple(applicables)


def check_namespace(namespace: Any, applicables: Sequence[Applicable], decorator: str) -> None:
    _check_namespace_value(namespace, f"@{decorator}")
    if namespace is not ...:
        custom = [a for a in applicables if a.namespace is not ...]
        if custom:
            raise DecoratorUsageError(
                f"@{decorator}: namespace={namespace!r} is set for the whole chain and also on "
                f"step {getattr(custom[0].fn, '__name__', '?')!r}; set it in one place only.")


def module_tag_of(context: ResolveContext) -> dict[str, Any]:
    return {MODULE_TAG: getattr(context.fn, "__module__", "")}


def pipe_node_output(
    instruction: Instruction, context: ResolveContext, node: Node,
    applicables: Sequence[Applicable], namespace: Any, taken: set[str],
) -> list[Node]:
    """``node`` followed by ``applicables``: ``name.raw → steps → name``. When ``node`` already
    ends a chain (an earlier pipe_output or mutate), the steps are added to that chain."""
    decorator = instruction.decorator_name
    active = [a for a in applicables if a.resolves(context.config)]
    if not active:
        return [node]
    chain_namespace = node.name if namespace is ... else namespace
    tags = {MODULE_TAG: node.tags.get(MODULE_TAG, ""), DECORATOR_TAG: decorator}
    if isinstance(node.fn, PipeExit):
        start: Node | Dependency = Dependency(node.fn.source, node.dependencies[0].type)
        head: list[Node] = []
    else:
        raw = node.with_changes(name=f"{node.name}.raw", tags=tags)
        if raw.name in taken:
            raise context.error(decorator, f"node {raw.name!r} already exists.")
        taken.add(raw.name)
        start, head = raw, [raw]
    chain = chain_steps(active, start, chain_namespace, context, decorator, tags, taken,
                        chain_namespace_only=True)
    last = chain[-1]
    exit_node = node.with_changes(
        fn=PipeExit(last.name), dependencies=(Dependency(last.name, last.type),),
        type=last.type, is_async=False)
    return [*head, *chain, exit_node]
