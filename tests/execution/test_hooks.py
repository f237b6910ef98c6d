"""Hooks: sorted once per driver, told about every way a run ends, and named when they fail."""

from __future__ import annotations

import os

import pytest

from dataflow import ad_hoc_utils, base, driver, lifecycle
from dataflow.execution.compiled import compile_plan

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")


def _driver(*functions, adapters=()):
    module = ad_hoc_utils.create_temporary_module(*functions)
    return (driver.Builder().with_modules(module)
            .with_adapters(*adapters, base.DictResult()).build())


class Recorder(lifecycle.NodeExecutionHook, lifecycle.GraphExecutionHook):
    def __init__(self):
        self.events = []

    def run_before_graph_execution(self, **kwargs):
        self.events.append(("graph-start",))

    def run_after_graph_execution(self, *, success, error, **kwargs):
        self.events.append(("graph-end", success, type(error).__name__))

    def run_before_node_execution(self, *, node_name, **kwargs):
        self.events.append(("before", node_name))

    def run_after_node_execution(self, *, node_name, success, error, **kwargs):
        self.events.append(("after", node_name, success, type(error).__name__))


def one() -> int:
    return 1


def two(one: int) -> int:
    return one + 1


class CountsLookups(Recorder):
    """Counts every look-up of a hook method on the adapter."""

    lookups = 0

    def __getattribute__(self, name):
        if name.startswith("run_"):
            type(self).lookups += 1
        return super().__getattribute__(name)


def test_hook_methods_are_looked_up_when_the_driver_is_built_never_per_run():
    adapter = CountsLookups()
    dr = _driver(one, two, adapters=[adapter])
    after_build = CountsLookups.lookups
    for _ in range(5):
        assert dr.execute(["two"]) == {"two": 2}
    assert CountsLookups.lookups == after_build
    assert len(adapter.events) == 5 * 6  # the hooks did run: graph start/end, 2 nodes x 2


def test_a_driver_without_hooks_has_an_empty_hook_set():
    assert _driver(one).hooks.empty
    assert not _driver(one, adapters=[Recorder()]).hooks.empty


@pytest.mark.parametrize("ending", [KeyboardInterrupt, SystemExit])
def test_a_node_ended_by_any_base_exception_reaches_the_after_hooks_as_a_failure(ending):
    def stops() -> int:
        raise ending()

    def later(stops: int) -> int:
        return stops

    recorder = Recorder()
    dr = _driver(stops, later, adapters=[recorder])
    with pytest.raises(ending) as raised:
        dr.execute(["later"])
    assert recorder.events == [
        ("graph-start",),
        ("before", "stops"),
        ("after", "stops", False, ending.__name__),
        ("graph-end", False, ending.__name__),
    ]
    assert "while computing node 'stops'" in "\n".join(raised.value.__notes__)


class BreaksBefore(lifecycle.NodeExecutionHook):
    def run_before_node_execution(self, *, node_name, **kwargs):
        raise LookupError("no tracker configured")

    def run_after_node_execution(self, **kwargs):
        pass


class BreaksAfterGraph(lifecycle.GraphExecutionHook):
    def run_before_graph_execution(self, **kwargs):
        pass

    def run_after_graph_execution(self, **kwargs):
        raise RuntimeError("cannot flush")


def test_a_hook_that_raises_keeps_its_error_type_and_is_named_with_the_node():
    recorder = Recorder()
    dr = _driver(one, two, adapters=[BreaksBefore(), recorder])
    with pytest.raises(LookupError, match="no tracker configured") as raised:
        dr.execute(["two"])
    assert raised.value.__notes__ == [
        "dataflow: raised by the lifecycle hook BreaksBefore.run_before_node_execution for "
        "node 'one', not by the node itself"]
    assert recorder.events[-1] == ("graph-end", False, "LookupError")


def test_a_graph_hook_that_raises_is_named_without_a_node():
    dr = _driver(one, adapters=[BreaksAfterGraph()])
    with pytest.raises(RuntimeError, match="cannot flush") as raised:
        dr.execute(["one"])
    assert raised.value.__notes__ == [
        "dataflow: raised by the lifecycle hook BreaksAfterGraph.run_after_graph_execution, "
        "not by the node itself"]


class CallsTwice(lifecycle.NodeExecutionMethod):
    """Calls the node, then fails on its own when the result is odd."""

    def run_to_execute_node(self, *, node_callable, node_kwargs, **kwargs):
        result = node_callable(**node_kwargs)
        if result % 2:
            raise ArithmeticError("odd results are not allowed here")
        return result


def test_a_node_execution_method_that_raises_is_named_but_a_node_failure_is_the_nodes():
    dr = _driver(one, two, adapters=[CallsTwice()])
    with pytest.raises(ArithmeticError) as raised:
        dr.execute(["one"])
    notes = "\n".join(raised.value.__notes__)
    assert "lifecycle hook CallsTwice.run_to_execute_node for node 'one'" in notes

    def broken() -> int:
        raise ZeroDivisionError("the node's own bug")

    dr = _driver(broken, adapters=[CallsTwice()])
    with pytest.raises(ZeroDivisionError) as raised:
        dr.execute(["broken"])
    notes = "\n".join(raised.value.__notes__)
    assert "while computing node 'broken'" in notes
    assert "lifecycle hook" not in notes


class Counts(lifecycle.GraphExecutionHook):
    def __init__(self):
        self.runs = 0

    def run_before_graph_execution(self, **kwargs):
        pass

    def run_after_graph_execution(self, *, success, **kwargs):
        self.runs += success


def test_graph_hooks_alone_leave_the_run_to_the_plans_own_compiled_loop(monkeypatch):
    compiled = []

    def spy(plan, bounds=None, live_in=()):
        compiled.append(compile_plan(plan, bounds, live_in))
        return compiled[-1]

    monkeypatch.setattr(driver, "COMPILE_AFTER_RUNS", 2)
    monkeypatch.setattr(driver, "compile_plan", spy)
    counts = Counts()
    dr = _driver(one, two, adapters=[counts])
    assert not dr.hooks.empty and not dr.hooks.node_level
    for _ in range(4):
        assert dr.execute(["two"]) == {"two": 2}
    assert counts.runs == 4 and len(compiled) == 1
    with_node_hooks = _driver(one, two, adapters=[Recorder()])
    for _ in range(4):
        with_node_hooks.execute(["two"])
    assert len(compiled) == 1  # node hooks stop at every node: never compiled
