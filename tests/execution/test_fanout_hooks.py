"""Task and node hooks around a fan-out run, compared with Apache Hamilton on the same module and
the same hook class (written once against ``hamilton`` and ported, as a user would port it).

Where the two differ on purpose (entry ``fanout-task-hooks`` of
tests/compat/intended_differences.py): Hamilton also makes a task of each external input, and
the order in which independent tasks run is each framework's own; every task both have gets the
same hook calls with the same keyword arguments."""

from __future__ import annotations

import pytest

from dataflow import ad_hoc_utils, driver
from dataflow.errors import DataflowError
from dataflow.execution import executors
from dataflow.htypes import Collect, Parallelizable
from dataflow.lifecycle import api
from tests.compat.differential import SIDES, _builder
from tests.compat.twin_import import load_source

SOURCE = '''
from hamilton.execution.grouping import NodeGroupPurpose
from hamilton.htypes import Collect, Parallelizable
from hamilton.lifecycle import api


def _names(nodes):
    return sorted(n.name for n in nodes)


class Recorder(api.TaskExecutionHook, api.TaskGroupingHook, api.TaskSubmissionHook,
               api.TaskReturnHook, api.NodeExecutionHook, api.GraphExecutionHook):
    def __init__(self):
        self.events = []

    def run_after_task_grouping(self, *, run_id, task_ids, **kwargs):
        self.events.append(("grouping", None, tuple(sorted(task_ids))))

    def run_after_task_expansion(self, *, run_id, task_id, parameters, **kwargs):
        self.events.append(("expansion", task_id, parameters))

    def run_before_task_submission(self, *, run_id, task_id, nodes, inputs, overrides,
                                   spawning_task_id, purpose, **kwargs):
        self.events.append(("submit", task_id, _names(nodes), inputs, overrides,
                            spawning_task_id, purpose.value))

    def run_before_task_execution(self, *, task_id, run_id, nodes, inputs, overrides,
                                  spawning_task_id, purpose, **kwargs):
        assert isinstance(purpose, NodeGroupPurpose)
        self.events.append(("before-task", task_id, _names(nodes), inputs, overrides,
                            spawning_task_id, purpose.value))

    def run_after_task_execution(self, *, task_id, run_id, nodes, results, success, error,
                                 spawning_task_id, purpose, **kwargs):
        self.events.append(("after-task", task_id, _names(nodes), results, success,
                            type(error).__name__, spawning_task_id, purpose.value))

    def run_after_task_return(self, *, run_id, task_id, nodes, result, success, error,
                              spawning_task_id, purpose, **kwargs):
        self.events.append(("return", task_id, _names(nodes), result, success,
                            type(error).__name__, spawning_task_id, purpose.value))

    def run_before_node_execution(self, *, node_name, node_kwargs, task_id, **kwargs):
        self.events.append(("before-node", task_id, node_name, node_kwargs))

    def run_after_node_execution(self, *, node_name, result, task_id, success, **kwargs):
        self.events.append(("after-node", task_id, node_name, result, success))

    def run_before_graph_execution(self, **kwargs):
        self.events.append(("graph-start", None))

    def run_after_graph_execution(self, *, success, **kwargs):
        self.events.append(("graph-end", None, success))


def base(n: int) -> int:
    return n * 10


def items(n: int) -> Parallelizable[int]:
    for i in range(n):
        yield i


def doubled(items: int, base: int) -> int:
    return items * 2 + base


def squared(doubled: int) -> int:
    return doubled * doubled


def total(squared: Collect[int]) -> int:
    return sum(squared)


def after(total: int) -> int:
    return total + 1
'''


def _events(tmp_path, side, outputs, n, local="sync"):
    module = load_source(SOURCE, str(tmp_path / f"fan_hooks_{side}.py"),
                         source_root="hamilton", target_root=side, stem="fan_hooks")
    side_executors = __import__(f"{side}.execution.executors", fromlist=["x"])
    recorder = module.Recorder()
    builder = (_builder(side).with_modules(module).with_adapters(recorder)
               .enable_dynamic_execution(allow_experimental_mode=True)
               .with_remote_executor(side_executors.SynchronousLocalTaskExecutor()))
    if local == "threads":
        builder = builder.with_local_executor(side_executors.MultiThreadingExecutor(2))
    dr = builder.build()
    result = dr.execute(outputs, inputs={"n": n})
    assert result == {"after": 885 if n == 2 else 1}
    return recorder.events


def _by_task(events):
    """Each task's events, in order; the grouping and the graph events apart."""
    tasks: dict[str, list] = {}
    for event in events:
        if event[1] is not None:
            tasks.setdefault(event[1], []).append(event)
    return tasks


@pytest.mark.parametrize("local", ["sync", "threads"])
@pytest.mark.parametrize("n", [0, 2])
def test_every_task_gets_hamiltons_hook_calls(tmp_path, n, local):
    ours = _events(tmp_path, "dataflow", ["after"], n, local)
    theirs = _events(tmp_path, "hamilton", ["after"], n, local)
    ours_tasks, their_tasks = _by_task(ours), _by_task(theirs)
    inputs_as_tasks = {"n"}  # Hamilton makes a task of each external input
    assert set(ours_tasks) == set(their_tasks) - inputs_as_tasks
    for task_id, events in ours_tasks.items():
        assert events == their_tasks[task_id], task_id
    grouping = [e for e in ours if e[0] == "grouping"]
    their_grouping = [e for e in theirs if e[0] == "grouping"]
    assert [set(g[2]) for g in grouping] == [set(g[2]) - inputs_as_tasks
                                              for g in their_grouping]
    assert ours[0] == ("graph-start", None) and ours[-1] == ("graph-end", None, True)


def test_item_tasks_are_spawned_by_the_expansion_in_item_order(tmp_path):
    ours = _events(tmp_path, "dataflow", ["after"], 2)
    submitted = [e[1] for e in ours if e[0] == "submit"]
    expansion = submitted.index("expand-items")
    blocks = [t for t in submitted if ".block-" in t]
    assert blocks == ["expand-items.0.block-items", "expand-items.1.block-items"]
    assert submitted.index(blocks[0]) > expansion
    assert submitted.index("collect-items") > submitted.index(blocks[-1])
    expansions = [e for e in ours if e[0] == "expansion"]
    assert expansions == [("expansion", "expand-items", {"0": 0, "1": 1})]


def test_a_failing_item_reaches_the_task_hooks(tmp_path):
    class Tasks(api.TaskExecutionHook, api.TaskReturnHook):
        def __init__(self):
            self.ends = []

        def run_before_task_execution(self, **kwargs):
            pass

        def run_after_task_execution(self, *, task_id, success, error, **kwargs):
            self.ends.append(("executed", task_id, success, type(error).__name__))

        def run_after_task_return(self, *, task_id, success, error, **kwargs):
            self.ends.append(("returned", task_id, success, type(error).__name__))

    def numbers() -> Parallelizable[int]:
        return [0, 1]

    def checked(numbers: int) -> int:
        if numbers == 1:
            raise LookupError("one")
        return numbers

    def gathered(checked: Collect[int]) -> int:
        return 0

    for remote in (executors.SynchronousLocalTaskExecutor(), executors.MultiThreadingExecutor(1)):
        hook = Tasks()
        dr = (driver.Builder().enable_dynamic_execution(allow_experimental_mode=True)
              .with_modules(ad_hoc_utils.create_temporary_module(numbers, checked, gathered))
              .with_adapters(hook).with_remote_executor(remote).build())
        with pytest.raises(LookupError):
            dr.execute(["gathered"])
        assert ("executed", "expand-numbers.1.block-numbers", False, "LookupError") in hook.ends
        assert ("returned", "expand-numbers.1.block-numbers", False, "LookupError") in hook.ends
        assert ("returned", "expand-numbers.0.block-numbers", True, "NoneType") in hook.ends


def test_sides_are_both_exercised():
    assert SIDES == ("dataflow", "hamilton")


METHOD_SOURCE = '''
from hamilton.htypes import Collect, Parallelizable
from hamilton.lifecycle import api


class Method(api.NodeExecutionMethod):
    def __init__(self):
        self.calls = []

    def run_to_execute_node(self, *, node_name, node_callable, node_kwargs, is_expand,
                            is_collect, task_id, **kwargs):
        result = node_callable(**node_kwargs)
        self.calls.append((node_name, is_expand, is_collect, task_id, type(result).__name__))
        return result


def items(n: int) -> Parallelizable[int]:
    yield from range(n)


def doubled(items: int) -> int:
    return items * 2


def total(doubled: Collect[int]) -> int:
    return sum(doubled)
'''


def test_a_node_execution_method_is_told_what_hamilton_tells_it(tmp_path):
    calls = {}
    for side in SIDES:
        module = load_source(METHOD_SOURCE, str(tmp_path / f"fan_method_{side}.py"),
                             source_root="hamilton", target_root=side, stem="fan_method")
        side_executors = __import__(f"{side}.execution.executors", fromlist=["x"])
        method = module.Method()
        dr = (_builder(side).with_modules(module).with_adapters(method)
              .enable_dynamic_execution(allow_experimental_mode=True)
              .with_remote_executor(side_executors.SynchronousLocalTaskExecutor()).build())
        assert dr.execute(["total"], inputs={"n": 2}) == {"total": 2}
        calls[side] = sorted(method.calls)
    assert calls["dataflow"] == calls["hamilton"]
    assert ("items", True, False, "expand-items", "list") in calls["dataflow"]
    assert ("total", False, True, "collect-items", "int") in calls["dataflow"]


def test_a_do_remote_execute_adapter_is_refused_in_a_fan_out_run():
    class Remote:
        def do_remote_execute(self, *, node, execute_lifecycle_for_node, **kwargs):
            return execute_lifecycle_for_node(**kwargs)

    def numbers() -> Parallelizable[int]:
        return [1]

    def inner(numbers: int) -> int:
        return numbers

    def gathered(inner: Collect[int]) -> int:
        return sum(inner)

    dr = (driver.Builder().enable_dynamic_execution(allow_experimental_mode=True)
          .with_modules(ad_hoc_utils.create_temporary_module(numbers, inner, gathered))
          .with_adapters(Remote()).build())
    with pytest.raises(DataflowError, match=r"Remote.do_remote_execute.*with_remote_executor"):
        dr.execute(["gathered"])
