"""Planning's inlined paths (one-argument nodes walked inline, steps made without a call, the
positional test inlined in ``prepare``) decide exactly as the general code does."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from dataflow import ad_hoc_utils, base, driver
from dataflow.execution.compiled import positional
from dataflow.execution.loop import prepare
from dataflow.plan import _arguments
from tests.core.test_properties import _node_function, dags
from tests.execution.test_incremental_compile import _plain_function


@given(dags(), st.data())
def test_inlined_planning_matches_the_general_rules(dag, data):
    inputs, parents, outputs, overridden = dag
    calls: Counter = Counter()
    functions = [(_plain_function if data.draw(st.booleans()) else _node_function)(name, p, calls)
                 for name, p in parents.items()]
    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(*functions)) \
        .with_adapters(base.DictResult()).build()
    provided = set(inputs) | set(overridden)
    plan = dr.execution_plan(outputs, inputs={n: 1 for n in inputs},
                             overrides={n: 1 for n in overridden})
    nodes = dr.graph.nodes
    for step in plan.steps:  # the walk's arguments are _arguments'
        assert step.args == _arguments(nodes[step.name], nodes, provided, {})
    inlined = prepare(plan.steps, positional)
    general = prepare(plan.steps, lambda step: positional(step))
    assert [(p[0], p[1], p[3], p[4]) for p in inlined] == [
        (p[0], p[1], p[3], p[4]) for p in general]
