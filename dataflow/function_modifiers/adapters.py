"""Loading and saving decorators (Hamilton's ``function_modifiers.adapters``): ``@load_from``,
``@save_to``, ``@dataloader`` and ``@datasaver``.

``@load_from.<format>(inject_="param", **params)`` feeds a parameter from a loader: two nodes
``<function>.load_data.<param>`` and ``<function>.select_data.<param>`` are added, named after
the function so that two functions loading the same parameter with the same format never clash
(Hamilton's issue #232). ``@save_to.<format>(output_name_="name", **params)`` adds a node that
saves the function's value and returns the saver's metadata. Parameters are plain values,
``value(x)`` or ``source("node")``.

Return annotations are checked from the resolved hints, so ``@dataloader`` / ``@datasaver`` work
in modules with ``from __future__ import annotations`` (Hamilton's issue #1297).

>>> from dataflow.function_modifiers import source
>>> @load_from.json(path=source("settings_path"))
... def threshold(settings: dict) -> float:
...     return float(settings["threshold"])
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dataflow.function_modifiers.binding import BindingError, bind_parameters
from dataflow.function_modifiers.dependencies import source
from dataflow.instructions import (
    DecoratorUsageError,
    ExpandInstruction,
    InjectInstruction,
    MetadataInstruction,
    ResolveContext,
    TransformInstruction,
    record,
)
from dataflow.node import DECORATOR_TAG, Dependency, Node

__all__ = ["dataloader", "datasaver", "load_from", "save_to"]


def _io() -> Any:
    """``dataflow.io``, imported on first use (it imports this package's dependencies)."""
    import dataflow.io

    return dataflow.io


# -- @load_from ---------------------------------------------------------------------------------


class LoadFromInstruction(InjectInstruction):
    """``INJECT``: the parameter ``inject`` comes from a loader of ``format``."""

    decorator_name = "load_from"

    def __init__(self, fmt: str, inject: str | None, params: Mapping[str, Any]) -> None:
        self.format = fmt
        self.inject = inject
        self.params = dict(params)
        self.decorator_name = f"load_from.{fmt}"

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        from dataflow.io.nodes import loader_nodes

        result: list[Node] = []
        added: list[Node] = []
        for node in nodes:
            parameter = self._parameter(context, node)
            if parameter is None:
                result.append(node)
                continue
            dependency = next(d for d in node.dependencies if d.name == parameter)
            prefix = f"{node.name}.load_data.{parameter}"
            where = (f"@{self.decorator_name} on {context.origin} loading parameter "
                     f"{parameter!r}")
            try:
                made = loader_nodes(self.format, self.params, dependency.type, prefix,
                                    f"{node.name}.select_data.{parameter}", where,
                                    "load_from", origin=context.origin, loads=parameter)
            except ValueError as error:
                raise context.error(self, str(error)) from error
            added.extend(made)
            try:
                bound = bind_parameters(node, {parameter: source(made[1].name)}, context.config)
            except BindingError as error:
                raise context.error(self, str(error)) from error
            result.append(bound)
        return [*added, *result]

    def _parameter(self, context: ResolveContext, node: Node) -> str | None:
        names = [d.name for d in node.dependencies]
        if self.inject is not None:
            if self.inject not in names:
                raise context.error(self, f"inject_={self.inject!r} is not a parameter of the "
                                          f"function; its parameters are {', '.join(names)}.")
            return self.inject
        required = [d.name for d in node.dependencies if not d.optional]
        sourced = {getattr(p, "source", None) for p in self.params.values()}
        candidates = [n for n in required if n not in sourced]
        if len(candidates) != 1:
            raise context.error(
                self, f"cannot tell which parameter to load into (the function has "
                      f"{', '.join(names) or 'none'}); pass inject_='parameter'.")
        return candidates[0]


class _LoadFromFormat:
    def __init__(self, fmt: str) -> None:
        self.format = fmt

    def __call__(self, inject_: str | None = None, **params: Any) -> Callable[[Any], Any]:
        from dataflow.io.nodes import check_params

        where = f"@load_from.{self.format}"
        try:
            check_params("loader", self.format, params, where)
        except ValueError as error:
            raise DecoratorUsageError(str(error)) from error
        instruction = LoadFromInstruction(self.format, inject_, params)

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            if not callable(fn):
                raise DecoratorUsageError(f"{where} decorates a function; got {fn!r}")
            return record(fn, instruction)

        return decorate


class _LoadFrom:
    """``@load_from.<format>(inject_=None, **params)``: see the module docstring."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        _io().registry.check_format("loader", name, "@load_from")
        return _LoadFromFormat(name)

    def __dir__(self) -> list[str]:
        return list(_io().registry.formats("loader"))


load_from: Any = _LoadFrom()


# -- @save_to -----------------------------------------------------------------------------------


class SaveToInstruction(TransformInstruction):
    """``TRANSFORM``: add a node that saves the function's (final) node."""

    decorator_name = "save_to"

    def __init__(self, fmt: str, output_name: str | None, target: str | None,
                 params: Mapping[str, Any]) -> None:
        self.format = fmt
        self.output_name = output_name
        self.target = target
        self.params = dict(params)
        self.decorator_name = f"save_to.{fmt}"

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        from dataflow.function_modifiers.targets import final_nodes
        from dataflow.io.nodes import saver_node

        if self.target is not None:
            chosen = [n for n in nodes if n.name == self.target]
            if not chosen:
                raise context.error(self, f"target_={self.target!r} is not a node of the "
                                          f"function; its nodes are "
                                          f"{', '.join(n.name for n in nodes)}.")
        else:
            chosen = final_nodes(nodes)
            if len(chosen) != 1:
                raise context.error(self, f"the function has {len(chosen)} final nodes "
                                          f"({', '.join(n.name for n in chosen)}); pass target_="
                                          "'node' to say which one to save.")
        data = chosen[0]
        name = self.output_name or f"save.{data.name}"
        where = f"@{self.decorator_name} on {context.origin} saving node {data.name!r}"
        try:
            saver = saver_node(self.format, self.params, data.name, data.type, name, where,
                               "save_to", origin=context.origin)
        except ValueError as error:
            raise context.error(self, str(error)) from error
        return [*nodes, saver]


class _SaveToFormat:
    def __init__(self, fmt: str) -> None:
        self.format = fmt

    def __call__(self, output_name_: str | None = None, target_: str | None = None,
                 **params: Any) -> Callable[[Any], Any]:
        from dataflow.io.nodes import check_params

        where = f"@save_to.{self.format}"
        try:
            check_params("saver", self.format, params, where)
        except ValueError as error:
            raise DecoratorUsageError(str(error)) from error
        instruction = SaveToInstruction(self.format, output_name_, target_, params)

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            if not callable(fn):
                raise DecoratorUsageError(f"{where} decorates a function; got {fn!r}")
            return record(fn, instruction)

        return decorate


class _SaveTo:
    """``@save_to.<format>(output_name_=None, target_=None, **params)``: see the module
    docstring."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        _io().registry.check_format("saver", name, "@save_to")
        return _SaveToFormat(name)

    def __dir__(self) -> list[str]:
        return list(_io().registry.formats("saver"))


save_to: Any = _SaveTo()


# -- @dataloader / @datasaver -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _First:
    dependency: str

    def __call__(self, **kwargs: Any) -> Any:
        return kwargs[self.dependency][0]


def _is_dict(annotation: Any) -> bool:
    origin = typing.get_origin(annotation) or annotation
    return isinstance(origin, type) and issubclass(origin, dict)


class DataLoaderInstruction(ExpandInstruction):
    """``EXPAND``: the function returns ``(value, metadata)``: node ``<name>.loader`` is the
    pair, node ``<name>`` the value."""

    decorator_name = "dataloader"

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        returned = context.signature.return_type
        args = typing.get_args(returned)
        if (typing.get_origin(returned) is not tuple or len(args) != 2
                or not _is_dict(args[1])):
            raise context.error(self, f"the function must return tuple[<value type>, dict] "
                                      f"(the value and its metadata); its return annotation is "
                                      f"{returned!r}.")
        tags = {"hamilton.data_loader": True, "hamilton.data_loader.node": context.name,
                "hamilton.data_loader.classname": f"{context.name}()",
                "dataflow.materializer": "loader", DECORATOR_TAG: "dataloader"}
        result: list[Node] = []
        for node in nodes:
            loader = node.with_changes(
                name=f"{node.name}.loader",
                tags={**node.tags, **tags, "hamilton.data_loader.has_metadata": True,
                      "hamilton.data_loader.source": "loader"})
            value = Node(node.name, args[0], _First(loader.name), (Dependency(loader.name),),
                         tags={**tags, "hamilton.data_loader.has_metadata": False,
                               "hamilton.data_loader.source": node.name},
                         doc=node.doc, origin=node.origin,
                         originating_functions=node.originating_functions)
            result.extend([loader, value.with_changes(tags=value.tags)])
        return result


class DataSaverInstruction(MetadataInstruction):
    """``METADATA``: checks the function returns a ``dict`` (its metadata) and tags it."""

    decorator_name = "datasaver"

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        returned = context.signature.return_type
        if not _is_dict(returned):
            raise context.error(self, f"the function must return a dict (the metadata of what "
                                      f"it saved); its return annotation is {returned!r}.")
        tags = {"hamilton.data_saver": True, "hamilton.data_saver.sink": context.name,
                "hamilton.data_saver.classname": f"{context.name}()",
                "dataflow.materializer": "saver", DECORATOR_TAG: "datasaver"}
        return [n.with_changes(tags={**n.tags, **tags}) for n in nodes]


class dataloader:
    """``@dataloader()``: the function loads data and returns ``(value, metadata)``; node
    ``<name>`` is the value, ``<name>.loader`` the pair.

    >>> @dataloader()
    ... def rows(path: str) -> tuple[list, dict]:
    ...     lines = open(path).read().splitlines()
    ...     return lines, {"rows": len(lines)}
    """

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise DecoratorUsageError(f"@dataloader() decorates a function; got {fn!r}")
        return record(fn, DataLoaderInstruction())


class datasaver:
    """``@datasaver()``: the function saves data and returns its metadata (a ``dict``).

    >>> @datasaver()
    ... def report_file(report: str, path: str) -> dict:
    ...     open(path, "w").write(report)
    ...     return {"path": path}
    """

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise DecoratorUsageError(f"@datasaver() decorates a function; got {fn!r}")
        return record(fn, DataSaverInstruction())
