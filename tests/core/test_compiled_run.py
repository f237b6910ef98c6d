"""Compiled plans: straight-line code that must behave exactly like the interpreted loop."""

from __future__ import annotations

import traceback

import pandas as pd
import pytest

from dataflow import ad_hoc_utils, base, driver
from dataflow.build import graph_from_modules
from dataflow.execution.compiled import CHUNK, compile_plan
from dataflow.execution.loop import run_plan
from dataflow.graph import build_graph
from dataflow.node import Dependency, Node
from dataflow.plan import plan_for
from tests.core import sample_module


def _inputs():
    return {"raw_spend": pd.Series([1.0, None, 3.0]), "raw_signups": pd.Series([1.0, 2.0, 4.0])}


def test_compiled_plan_equals_interpreted_run():
    graph = graph_from_modules([sample_module])
    outputs = ["spend_per_signup", "spend_zero_mean", "scaled_spend"]
    plan = plan_for(graph, outputs, {"raw_spend", "raw_signups"})
    interpreted = run_plan(plan, _inputs())
    compiled = compile_plan(plan)(_inputs())
    assert list(compiled) == outputs
    for name in outputs:
        pd.testing.assert_series_equal(compiled[name], interpreted[name])


def test_compiled_plan_releases_dead_values():
    graph = graph_from_modules([sample_module])
    plan = plan_for(graph, ["spend_zero_mean"], {"raw_spend"})
    values = {"raw_spend": pd.Series([1.0, 2.0])}
    compile_plan(plan)(values)
    assert set(values) == {"spend_zero_mean"}


def _double(**kwargs):
    (value,) = kwargs.values()
    return value * 2


def test_node_names_that_are_not_identifiers_work():
    nodes = [
        Node("ns.a", int, _double, (Dependency("x", int),)),
        Node("ns.b", int, _double, (Dependency("ns.a", int),)),
    ]
    graph = build_graph([("m", nodes)])
    plan = plan_for(graph, ["ns.b"], {"x"})
    assert compile_plan(plan)({"x": 3}) == {"ns.b": 12}


def test_long_plans_are_split_into_chunks():
    nodes = [Node("n0", int, _double, (Dependency("x", int),))]
    nodes += [Node(f"n{i}", int, _double, (Dependency(f"n{i - 1}", int),))
              for i in range(1, CHUNK * 2 + 5)]
    graph = build_graph([("m", nodes)])
    last = f"n{CHUNK * 2 + 4}"
    compiled = compile_plan(plan_for(graph, [last], {"x"}))
    assert len(compiled.chunks) == 3
    assert compiled({"x": 1}) == {last: 2 ** (CHUNK * 2 + 5)}


def test_a_failure_in_compiled_code_keeps_type_and_note(monkeypatch):
    def ratio(a: float, b: float) -> float:
        return a / b

    monkeypatch.setattr(driver, "COMPILE_AFTER_RUNS", 2)
    module = ad_hoc_utils.create_temporary_module(ratio)
    dr = driver.Builder().with_modules(module).with_adapters(base.DictResult()).build()
    for _ in range(3):
        assert dr.execute(["ratio"], inputs={"a": 1.0, "b": 2.0}) == {"ratio": 0.5}
    with pytest.raises(ZeroDivisionError) as caught:
        dr.execute(["ratio"], inputs={"a": 1.0, "b": 0.0})
    assert "<dataflow plan steps" in "".join(traceback.format_tb(caught.value.__traceback__))
    assert "node 'ratio'" in caught.value.__notes__[0]
    assert "a: float, b: float" in caught.value.__notes__[0]


def test_generated_source_reads_like_hand_written_code():
    graph = graph_from_modules([sample_module])
    compiled = compile_plan(plan_for(graph, ["spend_mean"], {"raw_spend"}))
    assert "raw_spend = v.pop('raw_spend')" in compiled.source
    assert "spend = f0(raw_spend)\n    del raw_spend\n" in compiled.source
    assert "carry += (spend_mean,)" in compiled.source
