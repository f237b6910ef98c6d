"""The async driver (Hamilton's ``hamilton.async_driver``): ``await dr.execute(...)`` runs a
request on the caller's event loop, one loop for the whole run.

Independent ``async def`` nodes overlap (two independent one-second awaits take about a
second), plain functions run inline, only the requested subgraph runs, overrides replace their
nodes, and each intermediate is freed after its last reader. Hooks may be plain or
``async def``; ``await Builder()...build()`` (or ``await dr.ainit()``) awaits the async
``run_after_graph_construction`` hooks and each adapter's ``ainit``.

>>> import asyncio
>>> from dataflow import ad_hoc_utils
>>> async def price(sku: str) -> float:
...     await asyncio.sleep(0)
...     return 9.5
>>> def with_tax(price: float) -> float: return price * 1.2
>>> async def main():
...     dr = await Builder().with_modules(
...         ad_hoc_utils.create_temporary_module(price, with_tax)).build()
...     return await dr.execute(["with_tax"], inputs={"sku": "A1"})
>>> asyncio.run(main())
{'with_tax': 11.4}
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from dataflow.async_driver.run_loop import call_hooks_async, run_plan_concurrently
from dataflow.base import DictResult, PandasDataFrameResult
from dataflow.driver import Builder as SyncBuilder
from dataflow.driver import Driver, FinalVar
from dataflow.execution.hooks import hook_set
from dataflow.execution.inputs import start_values
from dataflow.graph_types import hamilton_graph
from dataflow.lifecycle.construction import after_graph_construction, construction_kwargs

__all__ = ["AsyncDriver", "Builder"]


def _async_construction_hook(adapter: Any) -> bool:
    return inspect.iscoroutinefunction(getattr(adapter, "run_after_graph_construction", None))


class AsyncDriver(Driver):
    """A driver whose ``execute`` and ``raw_execute`` are coroutines run on the caller's loop.

    ``result_builder`` (or one result builder among ``adapters``; two are an error, as in
    Hamilton) builds the result: a DataFrame by default here, a dict through :class:`Builder`.
    Every query method (``list_available_variables``, ``what_is_upstream_of``,
    ``visualize_execution``, ``validate_execution``, ...) is the synchronous driver's.
    """

    awaits_hooks = True

    def __init__(
        self,
        config: Mapping[str, Any] | None,
        *modules: types.ModuleType,
        result_builder: Any = None,
        adapters: Sequence[Any] | None = None,
        allow_module_overrides: bool = False,
    ) -> None:
        adapters = list(adapters or [])
        builders = [a for a in adapters if hasattr(a, "build_result")]
        if result_builder is not None:
            builders.append(result_builder)
        if len(builders) > 1:
            raise ValueError(
                "The async driver takes one result builder, got "
                f"{[type(b).__name__ for b in builders]}: pass a single one.")
        if result_builder is None and not builders:
            result_builder = PandasDataFrameResult()
        all_adapters = [*adapters, *([result_builder] if result_builder is not None else [])]
        # async construction hooks are awaited by ainit(); their validators still run now
        deferred = [a for a in all_adapters if _async_construction_hook(a)]
        super().__init__(config, *modules,
                         adapter=[a for a in all_adapters if not _async_construction_hook(a)],
                         allow_module_overrides=allow_module_overrides)
        if deferred:
            validators_only = dataclasses.replace(hook_set(deferred), after_construction=())
            after_graph_construction(validators_only, self.graph, modules)
        self.adapters = all_adapters
        self.hooks = hook_set(all_adapters)
        self._deferred_construction = hook_set(deferred).after_construction
        self.initialized = False

    def __reduce__(self) -> Any:
        """Pickled as an async driver (not the synchronous one the base class would restore);
        it is restored un-initialized: ``await dr.ainit()`` when it has async hooks."""
        from dataflow.driver import _module_reference

        modules = tuple(_module_reference(m) for m in self.graph_modules)
        return (_restore_async_driver,
                (dict(self.config), modules, self.adapters, self.allow_module_overrides))

    async def ainit(self) -> AsyncDriver:
        """Await the async ``run_after_graph_construction`` hooks and each adapter's ``ainit``
        (once; later calls return at once). ``await Builder()...build()`` calls it."""
        if self.initialized:
            return self
        for hook in self._deferred_construction:
            await call_hooks_async((hook,), None,
                                   **construction_kwargs(hook, self.graph, self.graph_modules))
        for adapter in self.adapters:
            if callable(getattr(adapter, "ainit", None)):
                outcome = adapter.ainit()
                if inspect.isawaitable(outcome):
                    await outcome
        self.initialized = True
        return self

    async def execute(  # type: ignore[override]
        self,
        final_vars: Sequence[FinalVar],
        overrides: Mapping[str, Any] | None = None,
        display_graph: bool = False,
        inputs: Mapping[str, Any] | None = None,
    ) -> Any:
        """Compute ``final_vars`` on the running loop and build the result."""
        outputs = await self.raw_execute(final_vars, overrides, display_graph, inputs)
        return self.result_builder.build_result(**outputs)

    async def raw_execute(  # type: ignore[override]
        self,
        final_vars: Sequence[FinalVar],
        overrides: Mapping[str, Any] | None = None,
        display_graph: bool = False,
        inputs: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Compute ``final_vars`` on the running loop and return them as a dict.

        A run ended by any exception, ``CancelledError`` included, reaches the
        ``run_after_graph_execution`` hooks with ``success=False`` and the error, then
        propagates; the nodes still running are cancelled first."""
        if display_graph:
            raise ValueError("display_graph=True is not supported by the async driver: call "
                             "dr.visualize_execution(...) instead.")
        names = self._output_names(final_vars)
        inputs = dict(inputs or {})
        overrides = dict(overrides or {})
        plan = self._runner(names, inputs, overrides).plan
        values = start_values(plan, self.graph.config, inputs, overrides,
                              self.hooks.input_validators)
        hooks = self.hooks
        if hooks.empty:
            return await run_plan_concurrently(plan, values, hooks)
        run_id = str(uuid.uuid4())
        shown = hamilton_graph(self.graph) if hooks.before_graph or hooks.after_graph else None
        await call_hooks_async(hooks.before_graph, None, graph=shown, final_vars=names,
                               inputs=inputs, overrides=overrides,
                               execution_path=plan.node_names, run_id=run_id)
        results: dict[str, Any] | None = None
        error: BaseException | None = None
        try:
            results = await run_plan_concurrently(plan, values, hooks, run_id)
        except BaseException as failure:  # CancelledError, KeyboardInterrupt end a run too
            error = failure
            raise
        finally:
            await call_hooks_async(hooks.after_graph, None, graph=shown,
                                   success=error is None, error=error, results=results,
                                   run_id=run_id)
        return results


def _restore_async_driver(config: dict[str, Any], modules: tuple[tuple[str, Any], ...],
                          adapters: list[Any], allow_module_overrides: bool) -> AsyncDriver:
    from dataflow.driver import _restore_module

    return AsyncDriver(config, *[_restore_module(m) for m in modules], adapters=adapters,
                       allow_module_overrides=allow_module_overrides)


class Builder(SyncBuilder):
    """Builds an :class:`AsyncDriver` (Hamilton's ``async_driver.Builder``): ``await
    Builder().with_modules(...).build()``. Without a result builder among the adapters,
    ``execute`` returns a dict. Dynamic execution, executors and materializers are not
    available on the async driver: asking for them raises ``ValueError``."""

    def _not_supported(self, method: str, hint: str = "") -> ValueError:
        return ValueError(f"Builder().{method}() is not supported by the async driver.{hint}")

    def enable_dynamic_execution(self, *, allow_experimental_mode: bool = False) -> Builder:
        raise self._not_supported("enable_dynamic_execution")

    def with_local_executor(self, executor: Any) -> Builder:
        raise self._not_supported("with_local_executor")

    def with_remote_executor(self, executor: Any) -> Builder:
        raise self._not_supported("with_remote_executor")

    def with_materializers(self, *materializers: Any) -> Builder:
        raise self._not_supported("with_materializers")

    def with_adapter(self, adapter: Any) -> Builder:
        raise self._not_supported("with_adapter", " Pass adapters with with_adapters(...).")

    def copy(self) -> Builder:
        """A new async builder with the same modules, config and adapters."""
        other = Builder()
        other.__dict__.update(vars(super().copy()))
        return other

    def build_without_init(self) -> AsyncDriver:
        """The driver, without awaiting its async construction hooks and adapters' ``ainit``
        (call ``await dr.ainit()`` before use when there are any)."""
        from dataflow.errors import DataflowError

        if not self.modules:
            raise DataflowError("Builder has no modules: call .with_modules(module, ...) first.")
        adapters = list(self.adapters)
        has_builder = any(hasattr(a, "build_result") for a in adapters)
        return AsyncDriver(self.config, *self.modules, adapters=adapters,
                           result_builder=None if has_builder else DictResult(),
                           allow_module_overrides=self._allow_module_overrides)

    async def build(self) -> AsyncDriver:  # type: ignore[override]
        """The driver, initialized (its async construction hooks awaited)."""
        return await self.build_without_init().ainit()
