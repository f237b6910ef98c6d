"""The driver: the façade users call. It delegates every stage to its own module.

>>> from dataflow import ad_hoc_utils, base, driver
>>> def spend() -> float: return 10.0
>>> def doubled(spend: float) -> float: return spend * 2
>>> dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(spend, doubled)) \\
...     .with_adapters(base.DictResult()).build()
>>> dr.execute(["doubled"])
{'doubled': 20.0}
"""

from __future__ import annotations

import functools
import importlib
import os
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from dataflow import ad_hoc_utils
from dataflow.base import DictResult, PandasDataFrameResult
from dataflow.build import graph_from_modules
from dataflow.errors import DataflowError, RequestError, did_you_mean
from dataflow.execution.compiled import compile_plan
from dataflow.execution.executors import SynchronousLocalTaskExecutor
from dataflow.execution.fanout import fanout_of
from dataflow.execution.hooks import hook_set, refuse_async_hooks
from dataflow.execution.inputs import check_request_names, inputs_naming_functions, start_values
from dataflow.execution.request import SLOW, Request, fast_request
from dataflow.execution.runner import COMPILE_AFTER_RUNS, PlanRunner
from dataflow.graph import Graph, downstream_of, path_between, topological_order, upstream_of
from dataflow.lifecycle.construction import after_graph_construction
from dataflow.node import Node, NodeRole
from dataflow.plan import Plan, plan_for
from dataflow.plan_cache import PlanCache, estimated_plan_bytes
from dataflow.variables import Variable, check_tag_filter, matches_tag_filter
from dataflow.views import DriverViews

FinalVar = str | Callable[..., Any]
# COMPILE_AFTER_RUNS and compile_plan are read from this module each time a plan is made (the
# policy itself is dataflow.execution.runner's), so a test may set them here.


class Driver(DriverViews):
    """Builds the graph of ``modules`` under ``config`` and executes requests against it.

    ``adapter`` is one adapter or a list of them: result builders (the last one builds the
    result; a DataFrame by default here, a dict by default through :class:`Builder`), node and
    graph execution hooks.
    """

    awaits_hooks = False
    """Whether ``async def`` hook methods are awaited (the async driver's subclass says yes)."""

    def __init__(
        self,
        config: Mapping[str, Any] | None,
        *modules: types.ModuleType,
        adapter: Any = None,
        allow_module_overrides: bool = False,
    ) -> None:
        self.graph_modules: tuple[types.ModuleType, ...] = modules
        self.allow_module_overrides = allow_module_overrides
        self.adapters: list[Any] = _as_list(adapter)
        builders = [a for a in self.adapters if hasattr(a, "build_result")]
        self.result_builder: Any = builders[-1] if builders else PandasDataFrameResult()
        self.hooks = hook_set(self.adapters)
        """The adapters' hook methods, sorted once (see :mod:`dataflow.execution.hooks`)."""
        if not self.awaits_hooks:
            refuse_async_hooks(self.hooks)
        self._executor: Any = SynchronousLocalTaskExecutor()
        self._inline = True
        edge_checks = [
            functools.partial(_edge_check, method) for _, method in self.hooks.edge_checks]
        self._edge_checks = edge_checks
        self.graph: Graph = graph_from_modules(modules, config or {}, allow_module_overrides,
                                               edge_checks=edge_checks)
        self._fanout = fanout_of(self.graph)
        """Parallelizable / Collect blocks (None without): :mod:`dataflow.execution.fanout`."""
        self.dynamic_execution = False
        """Built with ``enable_dynamic_execution``: fan-out runs (set by :class:`Builder`)."""
        self.remote_executor: Any = None
        """Where the items of fan-out blocks run (``Builder.with_remote_executor``)."""
        after_graph_construction(self.hooks, self.graph, modules)
        self.plan_cache = PlanCache()
        """Plans by request shape (LRU, bounded by count and memory):
        ``dr.plan_cache.resize(max_plans=..., max_bytes=...)``, ``dr.plan_cache.clear()``."""
        self._function_outputs: dict[Callable[..., Any], list[str]] | None = None

    @property
    def executor(self) -> Any:
        """Where the steps of a run go (:mod:`dataflow.execution.executors`); the plan does not
        change with it. ``Builder().enable_dynamic_execution(allow_experimental_mode=True)
        .with_local_executor(...)`` sets it."""
        return self._executor

    @executor.setter
    def executor(self, executor: Any) -> None:
        self._executor = executor
        self._inline = type(executor) is SynchronousLocalTaskExecutor

    @property
    def cache(self) -> Any:
        """The cache adapter (``Builder().with_cache(...)``): ``dr.cache.logs()``,
        ``dr.cache.view_run()``, ``dr.cache.dry_run([...])``; see docs/caching.md."""
        for adapter in self.adapters:
            if type(adapter).__module__ == "dataflow.caching.adapter":
                return adapter
        raise DataflowError("This driver has no cache: build it with "
                            "Builder().with_cache(path=...) to use dr.cache.")

    @property
    def config(self) -> Mapping[str, Any]:
        """The config the graph was built with (read-only; the graph owns it)."""
        return self.graph.config

    # -- execution ---------------------------------------------------------------------------

    def execute(
        self,
        final_vars: Sequence[FinalVar],
        overrides: Mapping[str, Any] | None = None,
        display_graph: bool = False,
        inputs: Mapping[str, Any] | None = None,
    ) -> Any:
        """Compute ``final_vars`` (names or functions) and build the result with the driver's
        result builder (see the class docstring for defaults). Only the nodes the request needs
        run; a value in ``overrides`` replaces its node and cuts off everything only it needed."""
        shape = None
        if type(final_vars) is list and not display_graph:
            # a request of a shape answered before: its fast path (dataflow.execution.request)
            try:
                shape = (tuple(final_vars), tuple(inputs) if inputs else (),
                         tuple(overrides) if overrides else ())
                fast = self.plan_cache.fast.get(shape)
            except TypeError:  # an unhashable entry in final_vars: the full path refuses it
                shape = fast = None
            if (fast is not None and fast[1] is self.result_builder and self._inline
                    and self.hooks.empty):
                result = fast[0](inputs, overrides)
                if result is not SLOW:
                    return result
        if type(self).raw_execute is Driver.raw_execute:
            outputs = self._raw_execute(final_vars, overrides, display_graph, inputs, shape)
        else:  # a subclass's own raw_execute: called as before, and no fast path
            outputs = self.raw_execute(final_vars, overrides, display_graph, inputs)
        return self.result_builder.build_result(**outputs)

    def raw_execute(
        self,
        final_vars: Sequence[FinalVar],
        overrides: Mapping[str, Any] | None = None,
        display_graph: bool = False,
        inputs: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Compute ``final_vars`` and return them as a dict, without a result builder."""
        return self._raw_execute(final_vars, overrides, display_graph, inputs, None)

    def _raw_execute(
        self,
        final_vars: Sequence[FinalVar],
        overrides: Mapping[str, Any] | None,
        display_graph: bool,
        inputs: Mapping[str, Any] | None,
        shape: tuple[Any, ...] | None,
    ) -> dict[str, Any]:
        """:meth:`raw_execute`; ``shape``, when given, is the request's key among the fast
        paths, and one is made for it when the request runs in this thread without hooks."""
        names = self._output_names(final_vars)
        inputs = dict(inputs or {})
        overrides = dict(overrides or {})
        runner = self._runner(names, inputs, overrides)
        values = start_values(runner.plan, self.graph.config, inputs, overrides,
                              self.hooks.input_validators)
        if display_graph:
            self.display_execution(names, inputs, overrides)
        if self.hooks.empty and self._inline:  # in this thread, no hooks: the plan's own loop
            if shape is not None and type(runner) is PlanRunner and not runner.plan.has_async:
                self._install_fast(shape, runner, names, inputs, overrides)
            return runner.run(values)
        if type(runner) is not PlanRunner:  # fan-out: dataflow.execution.fanout_run
            return runner.execute(values, self.graph, names, inputs, overrides)  # type: ignore
        return self.executor.run(runner, values, self.hooks, self.graph, names, inputs, overrides)

    def materialize(
        self,
        *materializers: Any,
        additional_vars: Sequence[FinalVar] | None = None,
        overrides: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Run the graph with loaders and savers added (``dataflow.io.from_`` / ``to``) and
        return ``(metadata by saver id, {name: value} of additional_vars)``, as Hamilton does.
        The driver's own graph is not changed. See ``docs/io.md``."""
        from dataflow.io.materialization import materialize

        return materialize(self, *materializers, additional_vars=additional_vars,
                           overrides=overrides, inputs=inputs)

    def visualize_materialization(
        self,
        *materializers: Any,
        output_file_path: Any = None,
        render_kwargs: Mapping[str, Any] | None = None,
        additional_vars: Sequence[FinalVar] | None = None,
        inputs: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
        **view_options: Any,
    ) -> Any:
        """Draw what ``materialize(*materializers, ...)`` would run, loaders and savers in
        their own style (Hamilton's ``visualize_materialization``); ``view_options`` are those
        of :meth:`visualize_execution` (``show_legend``, ``orient``, ``bypass_validation``...).
        """
        from dataflow.io.materialization import Materialize, materialized_graph

        graph = materialized_graph(self.graph, materializers, self._edge_checks)
        savers = [m.id for m in materializers if isinstance(m, Materialize)]
        extended = self._with_graph(graph)
        return extended.visualize_execution(
            [*savers, *extended._output_names(list(additional_vars or []))],
            output_file_path, render_kwargs, inputs=inputs, overrides=overrides,
            **view_options)

    def _add_materializers(self, materializers: Sequence[Any]) -> None:
        """Make ``materializers``' nodes part of this driver's graph (``with_materializers``)."""
        from dataflow.io.materialization import materialized_graph

        self.graph = materialized_graph(self.graph, materializers, self._edge_checks)
        self._fanout = fanout_of(self.graph)
        self.plan_cache = PlanCache()
        self._function_outputs = None
        self.materializers: tuple[Any, ...] = (*getattr(self, "materializers", ()),
                                               *materializers)

    def _with_graph(self, graph: Graph) -> Driver:
        """A driver like this one (adapters, executors) over another graph (materialize)."""
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.graph = graph
        other._fanout = fanout_of(graph)
        other.plan_cache = PlanCache()
        other._function_outputs = None
        return other

    def validate_execution(
        self,
        final_vars: Sequence[FinalVar],
        overrides: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> None:
        """Raise the error ``execute`` would raise before running anything (unknown outputs,
        missing inputs, inputs of the wrong type); return ``None`` when the request is valid."""
        names = self._output_names(final_vars)
        inputs = dict(inputs or {})
        overrides = dict(overrides or {})
        start_values(self._runner(names, inputs, overrides).plan, self.graph.config, inputs,
                     overrides, self.hooks.input_validators)

    def validate_inputs(
        self,
        inputs: Mapping[str, Any] | None = None,
        final_vars: Sequence[FinalVar] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        """Raise what ``execute`` would raise about ``inputs`` (missing ones, wrong types,
        overrides of no node) for a request of ``final_vars``, or of every function node when
        ``final_vars`` is ``None``; nothing runs. Returns ``None`` when the inputs suit."""
        if final_vars is None:
            final_vars = [n.name for n in self.graph.nodes.values()
                          if n.role is NodeRole.FUNCTION]
        self.validate_execution(final_vars, overrides=overrides, inputs=inputs)

    def execution_plan(
        self,
        final_vars: Sequence[FinalVar],
        inputs: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> Plan:
        """The (cached) plan ``execute`` would follow: which nodes run, in which order."""
        names = self._output_names(final_vars)
        return self._runner(names, dict(inputs or {}), dict(overrides or {})).plan

    def _install_fast(self, shape: tuple[Any, ...], runner: PlanRunner, names: list[str],
                      inputs: Mapping[str, Any], overrides: Mapping[str, Any]) -> None:
        """Make and keep the fast path of this request shape (see ``execute``)."""
        cache = self.plan_cache
        key = (tuple(names), frozenset(inputs), frozenset(overrides))
        builder = self.result_builder

        def install(request: Request) -> None:
            cache.install_fast(shape, key, request, builder)

        install(fast_request(runner, key[2], self.graph.config, builder,
                             functools.partial(cache.touch, key), install))

    def _runner(self, names: list[str], inputs: Mapping[str, Any],
                overrides: Mapping[str, Any]) -> PlanRunner:
        """The cached runner of this request shape, planned on first use."""
        # inputs and overrides apart: an input named like a function does not replace it
        key = (tuple(names), frozenset(inputs), frozenset(overrides))
        runner: PlanRunner | None = self.plan_cache.get(key)
        if runner is None:
            check_request_names(self.graph, inputs, overrides)
            provided = (key[1] - inputs_naming_functions(self.graph, inputs, overrides)) | key[2]
            cache = self.plan_cache
            plan = plan_for(self.graph, names, provided, unchecked=key[2])
            if self._fanout is not None:
                from dataflow.execution.fanout_driver import fanout_runner

                fanned = fanout_runner(self, plan, names, key[2])
                if fanned is not None:
                    cache.put(key, fanned, estimated_plan_bytes(plan, key))
                    return fanned  # type: ignore[return-value]
            runner = PlanRunner(plan, compile_after=COMPILE_AFTER_RUNS, compiler=compile_plan,
                                on_compiled=lambda size: cache.add_size(key, size))
            cache.put(key, runner, estimated_plan_bytes(runner.plan, key))
        return runner

    # -- names -------------------------------------------------------------------------------

    def _output_names(self, final_vars: Sequence[FinalVar]) -> list[str]:
        if isinstance(final_vars, str):
            raise RequestError(
                f"final_vars must be a list of names, got the string {final_vars!r}; "
                f"write [{final_vars!r}]."
            )
        names: list[str] = []
        for var in final_vars:
            if isinstance(var, str):
                names.append(var)
            elif callable(var):
                names.extend(self._nodes_of_function(var))
            else:
                raise RequestError(f"final_vars holds {var!r}: expected node names or functions.")
        return list(dict.fromkeys(names))

    def _nodes_of_function(self, fn: Callable[..., Any]) -> list[str]:
        if self._function_outputs is None:
            by_function: dict[Callable[..., Any], list[str]] = {}
            for node in self.graph.nodes.values():
                for origin in node.originating_functions[:1]:
                    by_function.setdefault(origin, []).append(node.name)
            self._function_outputs = by_function
        produced = self._function_outputs.get(fn, [])
        if not produced:
            raise RequestError(
                f"Function {getattr(fn, '__qualname__', fn)!r} defines no node in this graph "
                "(is its module in the driver, or is it excluded by config?)."
            )
        if fn.__name__ in produced:
            return [fn.__name__]
        consumed = {d.name for n in produced for d in self.graph.nodes[n].dependencies}
        return [n for n in produced if n not in consumed] or produced

    # -- queries -----------------------------------------------------------------------------

    def list_available_variables(
        self, *, tag_filter: Mapping[str, Any] | None = None
    ) -> list[Variable]:
        """Every node (functions, inputs, config) as a :class:`Variable`, optionally filtered by
        tags: ``{"k": "v"}``; several keys must all match; a list value matches any of its
        items; ``None`` matches any value. Values must be strings (or lists of them), as in
        Hamilton."""
        check_tag_filter(tag_filter)
        return [
            Variable.from_node(node) for node in self.graph.nodes.values()
            if matches_tag_filter(node.tags, tag_filter)
        ]

    def what_is_upstream_of(self, *node_names: str) -> list[Variable]:
        """The named nodes and everything they depend on, dependencies first."""
        return self._variables(upstream_of(self.graph, self._known(node_names)))

    def what_is_downstream_of(self, *node_names: str) -> list[Variable]:
        """The named nodes and everything that depends on them, dependencies first."""
        return self._variables(downstream_of(self.graph, self._known(node_names)))

    def what_is_the_path_between(
        self, upstream_node_name: str, downstream_node_name: str
    ) -> list[Variable]:
        """The nodes on a path from one node to another (empty when there is no path)."""
        self._known([upstream_node_name, downstream_node_name])
        return self._variables(path_between(self.graph, upstream_node_name, downstream_node_name))

    def _known(self, names: Iterable[str]) -> list[str]:
        names = list(names)
        for name in names:
            if name not in self.graph.nodes:
                raise RequestError(f"No node named {name!r}.{did_you_mean(name, self.graph.nodes)}")
        return names

    def _variables(self, names: set[str]) -> list[Variable]:
        ordered = topological_order(self.graph, names)
        return [Variable.from_node(self.graph.nodes[n]) for n in ordered]

    @property
    def nodes(self) -> Mapping[str, Node]:
        return self.graph.nodes

    def inputs_needed(self, final_vars: Sequence[FinalVar]) -> list[str]:
        """External inputs a request for ``final_vars`` needs (config values excluded)."""
        names = upstream_of(self.graph, self._output_names(final_vars))
        return [n for n in topological_order(self.graph, names)
                if self.graph.nodes[n].role is NodeRole.INPUT]

    # -- pickling ----------------------------------------------------------------------------

    def __reduce__(self) -> Any:
        modules = tuple(_module_reference(m) for m in self.graph_modules)
        return (_restore_driver,
                (dict(self.config), modules, self.adapters, self.allow_module_overrides,
                 self.executor, self.dynamic_execution, self.remote_executor,
                 getattr(self, "materializers", ())))

    def __repr__(self) -> str:
        functions = sum(1 for n in self.graph.nodes.values() if n.role is NodeRole.FUNCTION)
        return (f"<Driver: {functions} function nodes, {len(self.graph) - functions} inputs/config,"
                f" modules {[m.__name__ for m in self.graph_modules]}>")


def _edge_check(method: Callable[..., Any], type_from: Any, type_to: Any) -> bool:
    return bool(method(type_from=type_from, type_to=type_to))


def _check_executor(executor: Any, method: str) -> None:
    if not callable(getattr(executor, "run", None)):
        raise DataflowError(
            f"{method}({executor!r}): not an executor of dataflow.execution.executors "
            "(SynchronousLocalTaskExecutor(), MultiThreadingExecutor(n), "
            "MultiProcessingExecutor(n)); a Hamilton executor ports by changing the import "
            "root to dataflow.")


def _check_cache_alone(adapters: list[Any]) -> None:
    """The cache calls each node itself (``run_to_execute_node``); one other adapter doing so
    would be silently replaced (the last wins), so it is refused, named."""
    callers = [type(a).__name__ for a in adapters
               if callable(getattr(a, "run_to_execute_node", None))]
    if callers:
        raise DataflowError(
            f"with_cache cannot be combined with {', '.join(callers)}: both decide how each "
            "node is called (run_to_execute_node) and only one can. Drop one of them.")


def _as_list(adapter: Any) -> list[Any]:
    if adapter is None:
        return []
    if isinstance(adapter, (list, tuple)):
        return list(adapter)
    return [adapter]


def _module_reference(module: types.ModuleType) -> tuple[str, Any]:
    if ad_hoc_utils.is_temporary(module):
        return ("functions", (module.__name__, getattr(module, ad_hoc_utils.TEMPORARY_MARK)))
    return ("import", module.__name__)


def _restore_module(reference: tuple[str, Any]) -> types.ModuleType:
    kind, payload = reference
    if kind == "functions":
        name, functions = payload
        return ad_hoc_utils.create_temporary_module(*functions, module_name=name)
    return importlib.import_module(payload)


def _restore_driver(config: dict[str, Any], modules: tuple[tuple[str, Any], ...],
                    adapters: list[Any], allow_module_overrides: bool,
                    executor: Any = None, dynamic_execution: bool = False,
                    remote_executor: Any = None, materializers: tuple[Any, ...] = ()) -> Driver:
    driver = Driver(config, *[_restore_module(m) for m in modules], adapter=adapters,
                    allow_module_overrides=allow_module_overrides)
    if materializers:
        driver._add_materializers(materializers)
    if executor is not None:
        driver.executor = executor
    driver.dynamic_execution = dynamic_execution
    driver.remote_executor = remote_executor
    return driver


class Builder:
    """Fluent construction of a :class:`Driver` (Hamilton's ``driver.Builder``).

    >>> from dataflow import ad_hoc_utils, base
    >>> def one() -> int: return 1
    >>> dr = (Builder().with_modules(ad_hoc_utils.create_temporary_module(one))
    ...       .with_config({}).with_adapters(base.DictResult()).build())
    >>> dr.execute([one])
    {'one': 1}
    """

    def __init__(self) -> None:
        self.modules: list[types.ModuleType] = []
        self.config: dict[str, Any] = {}
        self.adapters: list[Any] = []
        self._allow_module_overrides = False
        self._dynamic_execution = False
        self.local_executor: Any = None
        self.remote_executor: Any = None
        self.cache: Any = None
        self.materializers: list[Any] = []

    def with_modules(self, *modules: types.ModuleType) -> Builder:
        self.modules.extend(modules)
        return self

    def with_config(self, config: Mapping[str, Any]) -> Builder:
        """Add config values (later calls update earlier ones)."""
        self.config.update(config)
        return self

    def with_adapters(self, *adapters: Any) -> Builder:
        self.adapters.extend(adapters)
        return self

    def with_adapter(self, adapter: Any) -> Builder:
        return self.with_adapters(adapter)

    def with_cache(
        self,
        path: str | os.PathLike[str] = ".dataflow_cache",
        metadata_store: Any = None,
        result_store: Any = None,
        default: Any = None,
        recompute: Any = None,
        ignore: Any = None,
        disable: Any = None,
        default_behavior: str = "default",
        default_loader_behavior: str = "recompute",
        default_saver_behavior: str = "recompute",
        log_to_file: bool = False,
    ) -> Builder:
        """Reuse results stored under ``path`` when a node's code and inputs are unchanged
        (Hamilton's ``with_cache``, same arguments). ``default`` / ``recompute`` / ``ignore`` /
        ``disable`` take node names, or ``True`` for every node; ``default_behavior`` applies
        where neither these lists nor ``@cache(behavior=...)`` say. Loaders and savers
        (``dataflow.io``) are recomputed by default (``default_loader_behavior`` /
        ``default_saver_behavior``; Hamilton reuses them). docs/caching.md."""
        if self.cache is not None:
            raise DataflowError("with_cache was called twice: a driver has one cache.")
        from dataflow.caching.adapter import CacheAdapter

        self.cache = CacheAdapter(
            path, metadata_store=metadata_store, result_store=result_store, default=default,
            recompute=recompute, ignore=ignore, disable=disable,
            default_behavior=default_behavior,  # type: ignore[arg-type]
            default_loader_behavior=default_loader_behavior,  # type: ignore[arg-type]
            default_saver_behavior=default_saver_behavior,  # type: ignore[arg-type]
            log_to_file=log_to_file)
        return self

    def with_materializers(self, *materializers: Any) -> Builder:
        """Add loaders and savers (``dataflow.io.from_`` / ``to``) to the graph the driver
        builds, as Hamilton's ``with_materializers``: their nodes can then be executed by name
        (a ``to`` node's value is the saver's metadata)."""
        self.materializers.extend(materializers)
        return self

    def allow_module_overrides(self) -> Builder:
        """When two modules define the same node, the later module wins instead of an error."""
        self._allow_module_overrides = True
        return self

    def enable_dynamic_execution(self, *, allow_experimental_mode: bool = False) -> Builder:
        """Allow executors (Hamilton's switch to its task-based driver, which it calls
        experimental: the flag must be given, as there)."""
        if not allow_experimental_mode:
            raise DataflowError(
                "enable_dynamic_execution(allow_experimental_mode=True): the flag is required, "
                "as in Hamilton, where dynamic execution is experimental.")
        self._dynamic_execution = True
        return self

    def with_local_executor(self, local_executor: Any) -> Builder:
        """Run the graph's steps on ``local_executor`` (for instance
        ``executors.MultiThreadingExecutor(4)``); needs :meth:`enable_dynamic_execution`."""
        self._require_dynamic("with_local_executor")
        _check_executor(local_executor, "with_local_executor")
        if self.local_executor is not None:
            raise DataflowError("with_local_executor was called twice: a driver has one local "
                                f"executor (already {self.local_executor!r}).")
        self.local_executor = local_executor
        return self

    def with_remote_executor(self, remote_executor: Any) -> Builder:
        """Where the items of the blocks between ``Parallelizable`` and ``Collect`` run (as in
        Hamilton; by default ``MultiThreadingExecutor(max_tasks=10)``, Hamilton's default). A
        graph without such blocks runs entirely on the local executor."""
        self._require_dynamic("with_remote_executor")
        _check_executor(remote_executor, "with_remote_executor")
        if self.remote_executor is not None:
            raise DataflowError("with_remote_executor was called twice: a driver has one remote "
                                f"executor (already {self.remote_executor!r}).")
        self.remote_executor = remote_executor
        return self

    def _require_dynamic(self, method: str) -> None:
        if not self._dynamic_execution:
            raise DataflowError(
                f"{method} needs dynamic execution: call "
                ".enable_dynamic_execution(allow_experimental_mode=True) first (as in Hamilton).")

    def copy(self) -> Builder:
        """A new builder with the same modules, config and adapters (Hamilton's ``copy``):
        adding to the copy leaves this one as it is."""
        other = Builder()
        other.modules = list(self.modules)
        other.config = dict(self.config)
        other.adapters = list(self.adapters)
        other._allow_module_overrides = self._allow_module_overrides
        other._dynamic_execution = self._dynamic_execution
        other.local_executor = self.local_executor
        other.remote_executor = self.remote_executor
        other.cache = self.cache
        other.materializers = list(self.materializers)
        return other

    def build(self) -> Driver:
        """The driver. Without a result builder among the adapters, ``execute`` returns a dict
        (as Hamilton's Builder does; the legacy ``Driver(config, module)`` returns a DataFrame)."""
        if not self.modules:
            raise DataflowError("Builder has no modules: call .with_modules(module, ...) first.")
        adapters = list(self.adapters)
        if not any(hasattr(a, "build_result") for a in adapters):
            adapters.append(DictResult())
        if self.cache is not None:
            _check_cache_alone(adapters)
            adapters.append(self.cache)
        driver = Driver(self.config, *self.modules, adapter=adapters,
                        allow_module_overrides=self._allow_module_overrides)
        if self.materializers:
            driver._add_materializers(self.materializers)
        if self.cache is not None:
            self.cache.attach(driver)
        if self.local_executor is not None:
            driver.executor = self.local_executor
        if self._dynamic_execution:
            driver.dynamic_execution = True
            if self.remote_executor is None:
                from dataflow.execution.fanout_driver import default_remote_executor

                driver.remote_executor = default_remote_executor()
            else:
                driver.remote_executor = self.remote_executor
        return driver
