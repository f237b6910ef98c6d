"""``@subdag`` and ``@parameterized_subdag``: reuse whole modules of functions inside a graph.

The functions of ``load_from`` are resolved (with their own decorators) under the driver's
config merged with the subdag's ``config``, and every node they define is renamed
``<namespace>.<node>``. A dependency on another node of the subdag, on an ``inputs`` key or on
a subdag ``config`` key is renamed too; any other dependency refers to the outer graph as is.
The decorated function then defines one node that receives the subdag's nodes as parameters
(``external_inputs`` lists parameters that come from the outer graph instead).

Nodes inside the subdag carry Hamilton's ``hamilton.non_final_node`` tag (and the nodes made
for ``inputs`` and ``config`` only that, as in Hamilton). An ``inputs`` or ``config`` key that
nothing in the subdag uses is refused with a did-you-mean (Hamilton ignores it silently, which
hides typos).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from dataflow.collect import functions_of
from dataflow.errors import DecoratorError, did_you_mean
from dataflow.function_modifiers.binding import bind_parameters
from dataflow.function_modifiers.dependencies import (
    ConfigDependency,
    LiteralDependency,
    ParametrizedDependency,
    UpstreamDependency,
)
from dataflow.function_modifiers.steps import PipeExit
from dataflow.function_modifiers.targets import NON_FINAL_TAG
from dataflow.instructions import (
    ChooseInstruction,
    CreateInstruction,
    DecoratorUsageError,
    ResolveContext,
    instructions_of,
    record,
)
from dataflow.node import DECORATOR_TAG, Dependency, Node, origin_of
from dataflow.resolve import nodes_from_function, nodes_of_modules
from dataflow.signatures import parameter_facts

__all__ = ["SubdagParams", "parameterized_subdag", "subdag"]


class SubdagParams(TypedDict, total=False):
    """One subdag of ``@parameterized_subdag``: ``name=SubdagParams(inputs=..., config=...)``
    (a plain dict with these keys works the same)."""

    inputs: dict[str, ParametrizedDependency]
    config: dict[str, Any]
    external_inputs: list[str]


@dataclass(frozen=True, slots=True)
class RenamedCall:
    """Calls ``fn`` after mapping namespaced dependency names back to its own (picklable)."""

    fn: Callable[..., Any]
    names: tuple[tuple[str, str], ...]
    """``(new dependency name, name fn expects)`` for every renamed dependency."""

    def __call__(self, **kwargs: Any) -> Any:
        for new, old in self.names:
            if new in kwargs:
                kwargs[old] = kwargs.pop(new)
        return self.fn(**kwargs)

    @property
    def __wrapped__(self) -> Callable[..., Any]:
        return self.fn


@dataclass(frozen=True, slots=True)
class Constant:
    """A node callable that returns a fixed value (subdag ``inputs`` given as ``value()``)."""

    value: Any

    def __call__(self) -> Any:
        return self.value


class SubdagConfig(Mapping[str, Any]):
    """The config a subdag's functions resolve under: the outer config with the subdag's own
    keys on top. It notes every key anything asks for, so that a subdag ``config`` key nothing
    reads can be reported as a likely typo (iterating it counts as reading every key)."""

    __slots__ = ("asked", "outer", "own")

    def __init__(self, outer: Mapping[str, Any], own: Mapping[str, Any]) -> None:
        self.outer = outer
        self.own = own
        self.asked: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.asked.add(key)
        return self.own[key] if key in self.own else self.outer[key]

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        if key in self.own:
            return self.own[key]
        return self.outer.get(key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.asked.add(key)
        return key in self.own or key in self.outer

    def __iter__(self) -> Iterator[str]:
        self.asked.update(self.own)
        yield from self.own
        yield from (key for key in self.outer if key not in self.own)

    def __len__(self) -> int:
        return len(self.own) + sum(1 for key in self.outer if key not in self.own)


def collect_functions(load_from: Sequence[Any], decorator: str) -> tuple[Any, ...]:
    """Validate ``load_from``: modules and functions, at least one."""
    if not load_from:
        raise DecoratorUsageError(
            f"@{decorator} needs modules or functions to load the subdag from.")
    for item in load_from:
        if not isinstance(item, types.ModuleType) and not callable(item):
            raise DecoratorUsageError(
                f"@{decorator} loads from modules or functions; got {item!r}.")
    return tuple(load_from)


def resolve_subdag_nodes(load_from: Sequence[Any], config: Mapping[str, Any]) -> list[Node]:
    """The nodes of the modules and functions in ``load_from`` under ``config``."""
    modules = [m for m in load_from if isinstance(m, types.ModuleType)]
    nodes: list[Node] = []
    if modules:
        for _, module_nodes in nodes_of_modules(modules, config):
            nodes.extend(module_nodes)
    for item in load_from:
        if not isinstance(item, types.ModuleType):
            nodes.extend(nodes_from_function(item, config))
    return nodes


def namespace_nodes(
    nodes: Sequence[Node], namespace: str, extra_names: Collection[str], decorator: str,
) -> list[Node]:
    """``nodes`` renamed ``namespace.name``; dependencies on them or on ``extra_names`` follow."""
    renamed = {n.name: f"{namespace}.{n.name}" for n in nodes}
    renamed.update((name, f"{namespace}.{name}") for name in extra_names)
    out = []
    for node in nodes:
        names = tuple((renamed[d.name], d.name) for d in node.dependencies if d.name in renamed)
        fn = node.fn
        if names and fn is not None:
            with_names = getattr(fn, "with_names", None)  # callables that know their inputs
            fn = with_names(renamed) if with_names is not None else RenamedCall(fn, names)
        out.append(node.with_changes(
            name=renamed[node.name],
            fn=fn,
            dependencies=tuple(d if d.name not in renamed else Dependency(
                renamed[d.name], d.type, d.optional) for d in node.dependencies),
            tags={**node.tags, DECORATOR_TAG: decorator, NON_FINAL_TAG: True},
        ))
    return out


def _static_names(load_from: Sequence[Any]) -> tuple[set[str], set[str], bool]:
    """What the functions of ``load_from`` could use whatever the config: their parameter
    names, the config keys their config conditions read, and whether some condition reads
    keys nobody declared (a custom predicate)."""
    functions: list[Any] = []
    for item in load_from:
        functions.extend(functions_of(item) if isinstance(item, types.ModuleType) else [item])
    parameters: set[str] = set()
    keys: set[str] = set()
    unknown = False
    for fn in functions:
        try:
            parameters.update(name for name, _, _ in parameter_facts(fn))
        except (TypeError, ValueError):
            unknown = True
        for instruction in instructions_of(fn):
            keys.update(instruction.required_config())
            if isinstance(instruction, ChooseInstruction):
                declared = instruction.config_keys()
                if declared is None:
                    unknown = True
                else:
                    keys.update(declared)
    return parameters, keys, unknown


_SETTINGS_PREFIXES = ("hamilton.", "dataflow.")


class SubdagInstruction(CreateInstruction):
    decorator_name = "subdag"

    def __init__(self, load_from: tuple[Any, ...], inputs: Mapping[str, ParametrizedDependency],
                 config: Mapping[str, Any], namespace: str | None, final_node_name: str | None,
                 external_inputs: Collection[str], decorator_name: str = "subdag") -> None:
        self.load_from = load_from
        self.inputs = dict(inputs)
        self.config = dict(config)
        self.namespace = namespace
        self.final_node_name = final_node_name
        self.external_inputs = tuple(external_inputs)
        self.decorator_name = decorator_name

    def create(self, context: ResolveContext) -> list[Node]:
        namespace = self.namespace or context.name
        config = SubdagConfig(context.config, self.config)
        inner = resolve_subdag_nodes(self.load_from, config)
        if not inner:
            raise context.error(self, "the modules/functions it loads define no nodes under "
                                      "this config.")
        wanted_types = {d.name: d.type for n in inner for d in n.dependencies}
        self._check_keys(context, inner, config.asked)
        out = namespace_nodes(inner, namespace, [*self.inputs, *self.config],
                              self.decorator_name)
        tags = {DECORATOR_TAG: self.decorator_name, NON_FINAL_TAG: True}
        for key, dependency in self.inputs.items():
            name = f"{namespace}.{key}"
            if isinstance(dependency, UpstreamDependency):
                if key not in wanted_types:
                    continue
                typ = wanted_types[key]
                out.append(Node(name, typ, PipeExit(dependency.source),
                                (Dependency(dependency.source, typ),), tags=tags,
                                origin=context.origin, originating_functions=(context.fn,)))
            else:
                literal = (context.config[dependency.key]
                           if isinstance(dependency, ConfigDependency) else dependency.value)  # type: ignore[attr-defined]
                out.append(Node(name, type(literal), Constant(literal), tags=tags,
                                origin=context.origin, originating_functions=(context.fn,)))
        for key, literal in self.config.items():
            out.append(Node(f"{namespace}.{key}", type(literal), Constant(literal), tags=tags,
                            origin=context.origin, originating_functions=(context.fn,)))
        return [*out, self._final_node(context, namespace, out)]

    def _check_keys(self, context: ResolveContext, inner: Sequence[Node],
                    asked: Collection[str]) -> None:
        """Refuse an ``inputs`` / ``config`` key that nothing in the subdag uses: no parameter
        of its functions (under any config), no node it defines, no parameter of the decorated
        function, and for config keys, no config condition or decorator reads it."""
        if not self.inputs and not self.config:
            return
        parameters, condition_keys, unknown = _static_names(self.load_from)
        used = {d.name for n in inner for d in n.dependencies} | parameters
        used.update(n.name for n in inner)
        used.update(name for name, _, _ in context.signature.facts)
        for key in self.inputs:
            if key not in used:
                raise self._unused(context, "inputs", key, used - {n.name for n in inner})
        if unknown:
            return  # a custom config predicate may read any key
        for key in self.config:
            if key.startswith(_SETTINGS_PREFIXES):
                continue  # framework settings (power-user mode and the like), not subdag names
            if key not in used and key not in asked and key not in condition_keys:
                candidates = (used - {n.name for n in inner}) | condition_keys | set(asked)
                raise self._unused(context, "config", key, candidates)

    def _unused(self, context: ResolveContext, where: str, key: str,
                candidates: Collection[str]) -> DecoratorError:
        listed = ", ".join(sorted(candidates)[:20]) or "(none)"
        reads = f" or reads config key {key!r}" if where == "config" else ""
        return context.error(
            self, f"{where} key {key!r} is used by nothing in the subdag: no function it loads "
            f"takes a parameter {key!r}{reads}.{did_you_mean(key, candidates)} Names the subdag "
            f"can take: {listed}. Remove the key or fix its spelling.")

    def _final_node(self, context: ResolveContext, namespace: str, inner: list[Node]) -> Node:
        node = context.default_node(self.final_node_name or context.name)
        available = {n.name for n in inner}
        bindings: dict[str, ParametrizedDependency] = {}
        for dep in node.dependencies:
            if dep.name in self.external_inputs:
                continue
            name = f"{namespace}.{dep.name}"
            if name not in available:
                if dep.optional:
                    continue
                local = sorted(n[len(namespace) + 1:] for n in available)
                raise context.error(
                    self, f"parameter {dep.name!r} is not a node of the subdag "
                    f"(namespace {namespace!r}).{did_you_mean(dep.name, local)} If it comes from "
                    f"outside the subdag, list it: external_inputs=[{dep.name!r}]. Subdag nodes: "
                    f"{', '.join(local[:20])}{' ...' if len(local) > 20 else ''}.")
            bindings[dep.name] = UpstreamDependency(name)
        return bind_parameters(node, bindings, context.config) if bindings else node


def _check_inputs(inputs: Mapping[str, Any], config: Mapping[str, Any], fn: Callable[..., Any],
                  decorator: str) -> None:
    for key, item in inputs.items():
        if not isinstance(item, (UpstreamDependency, LiteralDependency, ConfigDependency)):
            raise DecoratorUsageError(
                f"@{decorator} on {origin_of(fn)}: inputs[{key!r}] is {item!r}; give "
                f"source('node') to feed it from the outer graph or value({item!r}) for a "
                "literal.")
    shared = sorted(set(inputs) & set(config))
    if shared:
        raise DecoratorUsageError(
            f"@{decorator} on {origin_of(fn)}: {shared} are given both in inputs and in config; "
            "give each in one place only.")


class subdag:
    """Reuse modules (or functions) as a namespaced part of this graph.

    >>> import types
    >>> from dataflow.function_modifiers import source
    >>> def doubled(x: int) -> int:
    ...     return 2 * x
    >>> @subdag(doubled, inputs={"x": source("raw")}, namespace="twice")
    ... def result(doubled: int) -> int:
    ...     return doubled
    """

    decorator_name = "subdag"

    def __init__(self, *load_from: types.ModuleType | Callable[..., Any],
                 inputs: Mapping[str, ParametrizedDependency] | None = None,
                 config: Mapping[str, Any] | None = None, namespace: str | None = None,
                 final_node_name: str | None = None,
                 external_inputs: Collection[str] | None = None) -> None:
        self.load_from = collect_functions(load_from, self.decorator_name)
        self.inputs = dict(inputs or {})
        self.config = dict(config or {})
        if namespace is not None and (not isinstance(namespace, str) or not namespace):
            raise DecoratorUsageError(
                f"@subdag: namespace must be a non-empty string; got {namespace!r}")
        self.namespace = namespace
        self.final_node_name = final_node_name
        if isinstance(external_inputs, str):
            raise DecoratorUsageError(
                f"@subdag: external_inputs is a list of names; write "
                f"[{external_inputs!r}].")
        self.external_inputs = tuple(external_inputs or ())

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        _check_inputs(self.inputs, self.config, fn, self.decorator_name)
        return record(fn, SubdagInstruction(self.load_from, self.inputs, self.config,
                                            self.namespace, self.final_node_name,
                                            self.external_inputs))


class ParameterizedSubdagInstruction(CreateInstruction):
    decorator_name = "parameterized_subdag"

    def __init__(self, subdags: Sequence[SubdagInstruction]) -> None:
        self.subdags = tuple(subdags)

    def create(self, context: ResolveContext) -> list[Node]:
        out: list[Node] = []
        for instruction in self.subdags:
            out.extend(instruction.create(context))
        return out


class parameterized_subdag:
    """Several subdags from the same modules, one per keyword: ``name={"inputs": {...},
    "config": {...}, "external_inputs": [...]}``. Each is namespaced ``name`` and its final
    node is named ``name``; decorator-level ``inputs``/``config`` apply to all (a subdag's own
    entries win), and its own ``external_inputs`` replace the decorator-level ones."""

    decorator_name = "parameterized_subdag"

    def __init__(self, *load_from: types.ModuleType | Callable[..., Any],
                 inputs: Mapping[str, ParametrizedDependency] | None = None,
                 config: Mapping[str, Any] | None = None,
                 external_inputs: Collection[str] | None = None,
                 **parameterization: Mapping[str, Any]) -> None:
        self.load_from = collect_functions(load_from, self.decorator_name)
        if not parameterization:
            raise DecoratorUsageError(
                "@parameterized_subdag needs at least one name=dict(inputs=..., "
                "config=...) keyword.")
        self.inputs = dict(inputs or {})
        self.config = dict(config or {})
        self.external_inputs = tuple(external_inputs or ())
        for name, spec in parameterization.items():
            unknown = set(spec) - {"inputs", "config", "external_inputs"} if isinstance(
                spec, Mapping) else {"<not a dict>"}
            if unknown:
                raise DecoratorUsageError(
                    f"@parameterized_subdag: {name}= takes a dict with keys inputs, "
                    f"config, external_inputs; got {spec!r}.")
        self.parameterization = parameterization

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        subdags = []
        for name, spec in self.parameterization.items():
            inputs = {**self.inputs, **spec.get("inputs", {})}
            config = {**self.config, **spec.get("config", {})}
            _check_inputs(inputs, config, fn, self.decorator_name)
            subdags.append(SubdagInstruction(
                self.load_from, inputs, config, name, name,
                tuple(spec.get("external_inputs", self.external_inputs)),
                decorator_name=self.decorator_name))
        return record(fn, ParameterizedSubdagInstruction(subdags))
