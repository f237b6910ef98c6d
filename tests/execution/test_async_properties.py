"""Property tests: random DAGs mixing ``async def`` and plain nodes give, in the async driver
and in the synchronous one, the values of direct evaluation, running each needed node once and
nothing else; the async run loop leaves only the outputs behind (every intermediate freed)."""

from __future__ import annotations

import asyncio
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from dataflow import ad_hoc_utils, base, driver
from dataflow.async_driver import Builder
from dataflow.async_driver.run_loop import run_plan_concurrently
from dataflow.execution.hooks import EMPTY_HOOKS
from dataflow.execution.inputs import start_values
from tests.core.test_properties import _expected, _node_function, dags


def _async_node_function(name: str, parents: list[str], calls: Counter, pauses: int):
    sync = _node_function(name, parents, calls)

    async def compute(**kwargs: int) -> int:
        for _ in range(pauses):  # finish in an order the plan does not dictate
            await asyncio.sleep(0)
        return sync(**kwargs)

    compute.__name__ = compute.__qualname__ = name
    compute.__signature__ = sync.__signature__  # type: ignore[attr-defined]
    compute.__annotations__ = sync.__annotations__
    return compute


@given(dags(), st.data())
def test_random_dags_with_async_nodes_match_direct_evaluation(dag, data):
    inputs, parents, outputs, overridden = dag
    calls: Counter = Counter()
    functions = []
    for name, node_parents in parents.items():
        if data.draw(st.booleans(), label=f"{name} is async"):
            pauses = data.draw(st.integers(0, 3), label=f"{name} pauses")
            functions.append(_async_node_function(name, node_parents, calls, pauses))
        else:
            functions.append(_node_function(name, node_parents, calls))
    module = ad_hoc_utils.create_temporary_module(*functions)
    input_values = {name: data.draw(st.integers(-100, 100)) for name in inputs}
    overrides = {name: data.draw(st.integers(-100, 100)) for name in overridden}
    expected, expected_calls = _expected(parents, input_values, overrides, outputs)

    async def run_async():
        dr = await Builder().with_modules(module).build()
        result = await dr.execute(outputs, inputs=input_values, overrides=overrides)
        plan = dr.execution_plan(outputs, inputs=input_values, overrides=overrides)
        values = start_values(plan, dr.graph.config, input_values, overrides)
        again = await run_plan_concurrently(plan, values, EMPTY_HOOKS)
        return result, again, values

    result, again, left = asyncio.run(run_async())
    assert result == expected == again
    assert calls == expected_calls + expected_calls  # once per run, nothing else
    assert set(left) == set(outputs)  # every intermediate and input freed

    calls.clear()
    sync = driver.Builder().with_modules(module).with_adapters(base.DictResult()).build()
    assert sync.execute(outputs, inputs=input_values, overrides=overrides) == expected
    assert calls == expected_calls
