"""The graph's run order made at build (dataflow.graph_index) and the plans read off it."""

from __future__ import annotations

import pytest

from dataflow import ad_hoc_utils, base, driver, plan
from dataflow.errors import CycleError
from dataflow.graph_index import KEYWORDS, NO_ARGS, ONE_POSITIONAL, POSITIONAL, index_of
from dataflow.node import Dependency, Node, NodeRole


def _driver(*functions):
    module = ad_hoc_utils.create_temporary_module(*functions)
    return driver.Builder().with_modules(module).with_adapters(base.DictResult()).build()


def test_order_puts_dependencies_first_and_follows_definition_order():
    def total(left: int, right: int) -> int:
        return left + right

    def right(x: int) -> int:
        return x * 2

    def left(x: int) -> int:
        return x + 1

    index = _driver(total, right, left).graph.index
    assert index.names == ["x", "left", "right", "total"]  # total's parameters, first first
    assert index.deps == [(), (0,), (0,), (1, 2)]
    assert [index.position[n] for n in index.names] == [0, 1, 2, 3]


def test_a_cycle_has_no_index_and_the_build_names_it():
    nodes = {"a": Node("a", int, lambda b: b, (Dependency("b", int),)),
             "b": Node("b", int, lambda a: a, (Dependency("a", int),))}
    assert index_of(nodes) is None
    ring = {"a": Node("a", int, lambda a: a, (Dependency("a", int),))}
    assert index_of(ring) is None

    def first(second: int) -> int:
        return second

    def second(first: int) -> int:
        return first

    with pytest.raises(CycleError, match="cycle"):
        _driver(first, second)


def test_call_kinds():
    def none() -> int:
        return 1

    def one(none: int) -> int:
        return none

    def two(none: int, one: int) -> int:
        return none + one

    def swapped(one: int, none: int) -> int:
        return one - none

    def keyword_only(*, none: int) -> int:
        return none

    index = _driver(none, one, two, swapped, keyword_only).graph.index
    kinds = {name: index.kinds[index.position[name]] for name in index.names}
    assert kinds == {"none": NO_ARGS, "one": ONE_POSITIONAL, "two": POSITIONAL,
                     "swapped": POSITIONAL, "keyword_only": KEYWORDS}
    dr = _driver(none, one, two, swapped, keyword_only)
    assert dr.execute(["two", "swapped", "keyword_only"]) == {
        "two": 2, "swapped": 0, "keyword_only": 1}


def test_a_first_execute_makes_no_step_objects(monkeypatch):
    made = []
    real = plan._new_step
    monkeypatch.setattr(plan, "_new_step", lambda *a: made.append(a[0].name) or real(*a))

    def a(x: int) -> int:
        return x + 1

    def b(a: int) -> int:
        return a * 2

    def c(a: int, b: int) -> int:
        return a + b

    dr = _driver(a, b, c)
    assert dr.execute(["c"], inputs={"x": 1}) == {"c": 6}
    assert made == []  # planned and run from positions only
    steps = dr.execution_plan(["c"], inputs={"x": 1}).steps
    assert isinstance(steps, plan.StepList) and steps._made is None
    assert [s.name for s in steps] == ["a", "b", "c"]
    assert [s.release for s in steps] == [("x",), (), ("a", "b")]
    assert made == ["a", "b", "c"]  # made when read, once
    assert [s.name for s in steps] == ["a", "b", "c"] and len(made) == 3


def test_a_plan_with_an_optional_input_left_out_follows_the_same_order():
    def late(x: int, scale: int = 3) -> int:
        return x * scale

    def early(x: int) -> int:
        return x + 1

    def both(late: int, early: int) -> int:
        return late + early

    dr = _driver(late, early, both)
    without = dr.execution_plan(["both"], inputs={"x": 1})
    with_scale = dr.execution_plan(["both"], inputs={"x": 1, "scale": 2})
    assert without.arrays is None and with_scale.arrays is not None
    assert without.node_names == with_scale.node_names == ["late", "early", "both"]
    assert dr.execute(["both"], inputs={"x": 1}) == {"both": 5}
    assert dr.execute(["both"], inputs={"x": 1, "scale": 2}) == {"both": 4}


def test_graph_made_without_the_build_gets_its_index_on_first_use():
    nodes = {"x": Node("x", int, role=NodeRole.INPUT),
             "y": Node("y", int, lambda x: x + 1, (Dependency("x", int),))}
    from dataflow.graph import _graph_from_parts

    graph = _graph_from_parts(dict(nodes), {"x": ("y",), "y": ()}, {})
    assert plan.plan_for(graph, ["y"], {"x"}).node_names == ["y"]
    assert graph.index.names == ["x", "y"]
