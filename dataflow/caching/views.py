"""What a run took from the cache, drawn; and what a run *would* take, without running it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dataflow.caching.fingerprinting import Unfingerprintable, data_version

if TYPE_CHECKING:
    from dataflow.caching.adapter import CacheAdapter

FROM_CACHE_STYLE = {"penwidth": "3", "color": "#F06449", "fillcolor": "#FDE2DC"}
"""Nodes taken from the cache: orange border and fill (a requested output keeps its own
border, the fill still says it came from the cache)."""


def view_run(adapter: CacheAdapter, driver: Any, run_id: str,
             output_file_path: str | None) -> Any:
    """The execution picture of run ``run_id`` with the nodes taken from the cache marked."""
    from dataflow.caching.adapter import CachingEventType

    events = adapter.logs(run_id=run_id, level="debug")
    from_cache = {name for name, logged in events.items()
                  if any(e.event_type is CachingEventType.GET_RESULT for e in logged)}
    final_vars = [name for name, logged in events.items()
                  if any(e.event_type is CachingEventType.IS_FINAL_VAR for e in logged)]
    inputs = {name: None for name, logged in events.items()
              if any(e.event_type is CachingEventType.IS_INPUT for e in logged)}
    overrides = {name: None for name, logged in events.items()
                 if any(e.event_type is CachingEventType.IS_OVERRIDE for e in logged)}

    def style(*, node: Any, node_class: str, **kwargs: Any) -> tuple[dict[str, str], str, Any]:
        if node.name in from_cache:
            return dict(FROM_CACHE_STYLE), node_class, "from cache"
        return {}, node_class, None

    return driver.visualize_execution(final_vars, output_file_path=output_file_path,
                                      inputs=inputs, overrides=overrides,
                                      custom_style_function=style, bypass_validation=True)


def dry_run(adapter: CacheAdapter, driver: Any, final_vars: Sequence[Any],
            inputs: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, str]:
    """``{node: "reuse" | "recompute: why"}`` for each step ``execute`` would run, in order.

    A node whose inputs are all known (inputs, overrides, config, and reused nodes, whose stored
    data versions are known) is looked up exactly as a run would. A node reading a recomputed
    node is reported as recomputed: its key depends on a value not yet computed (the run may
    still reuse it, when that value comes out unchanged)."""
    from dataflow.caching.adapter import CachingBehavior
    from dataflow.execution.inputs import start_values

    plan = driver.execution_plan(final_vars, inputs, overrides)
    values = start_values(plan, driver.graph.config, dict(inputs), dict(overrides),
                          driver.hooks.input_validators)
    versions: dict[str, str] = {}
    pending: dict[str, str] = {}
    decisions: dict[str, str] = {}

    def version_of(name: str) -> str | None:
        behavior = adapter.resolve_behavior(name) if name in driver.graph.nodes else None
        if behavior is CachingBehavior.IGNORE:
            return "<ignore>"
        if name in versions:
            return versions[name]
        if name in pending:
            return None
        try:
            versions[name] = data_version(values[name])
        except Unfingerprintable:
            versions[name] = "<unversioned>"
        return versions[name]

    for step in plan.steps:
        name = step.name
        behavior = adapter.resolve_behavior(name)
        if behavior is not CachingBehavior.DEFAULT:
            decisions[name] = f"recompute: behavior {behavior.name}"
            pending[name] = decisions[name]
            continue
        disabled = [a for a in step.args if adapter.resolve_behavior(a) is CachingBehavior.DISABLE
                    and a in driver.graph.nodes]
        waiting = [a for a in step.args if a not in disabled and version_of(a) is None]
        if disabled or waiting:
            reads = disabled or waiting
            decisions[name] = (f"recompute: reads {', '.join(map(repr, reads))}, which "
                               f"{'is' if len(reads) == 1 else 'are'} recomputed"
                               + (" (DISABLE)" if disabled else
                                  "; reused at run time if the new value is unchanged"))
            pending[name] = decisions[name]
            continue
        key, why = adapter.key_of(name, {a: versions[a] if a in versions else str(version_of(a))
                                         for a in step.args}, step.fn)
        stored = adapter.metadata_store.get(key) if key is not None else None
        if stored is not None and adapter.result_store.exists(stored[0], stored[1]):
            decisions[name] = "reuse"
            versions[name] = stored[0]
        else:
            decisions[name] = "recompute: " + (why or "no stored result for this code and these "
                                                     "inputs")
            pending[name] = decisions[name]
    return decisions
