"""plugins.h_ray on a real local Ray (``ray.init(num_cpus=2)``, once per session): results equal
to the local driver and to Hamilton's RayGraphAdapter; failures, unshippable nodes, hooks and
data-quality checks as on the local driver; fan-out blocks on RayTaskExecutor."""

from __future__ import annotations

import os
import uuid

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataflow import ad_hoc_utils, base, driver
from dataflow.errors import DataflowError
from dataflow.execution.executors import SynchronousLocalTaskExecutor
from dataflow.execution.tasks import NotPicklableError
from dataflow.function_modifiers.metadata import ray_remote_options
from dataflow.htypes import Collect, Parallelizable
from dataflow.instructions import DecoratorUsageError
from plugins import h_ray
from plugins.h_timing import NodeTimer
from tests.core.test_properties import _expected, dags
from tests.engines import dask_checked, dask_nodes, ray_block, ray_nodes
from tests.engines.drivers import dag_module, fan_out_driver
from tests.execution import fanout_nodes
from tests.plugins.reporting_adapters import WorkerPids

pytestmark = pytest.mark.slow  # the first test waits for Ray to start (seconds)

OUTPUTS = ["avg_spend", "spend_per_signup", "total"]


def _on_ray(*modules, adapters=(), result_builder=None):
    return (driver.Builder().with_modules(*modules)
            .with_adapters(h_ray.RayGraphAdapter(result_builder or base.DictResult()),
                           *adapters).build())


def test_results_equal_the_local_driver_and_hamiltons_adapter(ray_session):
    from hamilton import base as h_base
    from hamilton import driver as h_driver
    from hamilton.plugins import h_ray as hamilton_ray

    local = driver.Builder().with_modules(dask_nodes).with_adapters(
        base.PandasDataFrameResult()).build()
    expected = local.execute(OUTPUTS, inputs={"window": 2})
    frame = _on_ray(dask_nodes, result_builder=base.PandasDataFrameResult())
    pd.testing.assert_frame_equal(frame.execute(OUTPUTS, inputs={"window": 2}), expected)
    hamilton = h_driver.Driver({}, dask_nodes, adapter=hamilton_ray.RayGraphAdapter(
        h_base.PandasDataFrameResult()))
    pd.testing.assert_frame_equal(hamilton.execute(OUTPUTS, inputs={"window": 2}), expected)
    as_dict = _on_ray(dask_nodes)
    assert as_dict.execute(["label"], inputs={"window": 2, "name": "n"}) == {"label": "n: 40.0"}
    # raw_execute: the values themselves, computed in the run; an override is returned as given
    raw = as_dict.raw_execute(["total", "spend"], inputs={"window": 2},
                              overrides={"signups": pd.Series([1, 1, 1, 1])})
    assert raw["total"] == 100.0 and isinstance(raw["spend"], pd.Series)
    # an object ref is accepted as an input; a node reads its value
    ref = ray_session.put("r")
    assert as_dict.execute(["label"], inputs={"name": ref}) == {"label": "r: 40.0"}


def test_a_value_is_sent_once_however_many_nodes_read_it(ray_session):
    dr = _on_ray(ray_nodes)
    big = ray_nodes.Counted(list(range(100_000)))
    ray_nodes.Counted.pickled = 0
    assert dr.execute(["ends"], inputs={"big": big}) == {"ends": (0, 99_999, 100_000)}
    assert ray_nodes.Counted.pickled == 1  # three readers, one trip to the object store


def test_ray_remote_options_become_task_options(ray_session):
    from hamilton.function_modifiers.metadata import ray_remote_options as hamiltons

    dr = _on_ray(ray_nodes)
    assert dr.execute(["cpus_held", "one_cpu_held"]) == {"cpus_held": 2.0, "one_cpu_held": 1.0}
    # the decorator writes Hamilton's tags
    options = {"num_cpus": 2, "resources": {"big_memory": 1}}
    ours = h_ray.parse_ray_remote_options_from_tags(
        ray_remote_options(**options).tags)
    assert ray_remote_options(**options).tags == hamiltons(**options).tags
    assert ours == options
    with pytest.raises(DecoratorUsageError, match="not a JSON value"):
        ray_remote_options(num_cpus=object())
    with pytest.raises(DataflowError, match=r"Node 'misspelt_options' \(.*ray_nodes.py:.*num_cpuz"):
        dr.execute(["misspelt_options", "kind"], inputs={"thing": 1})


@settings(max_examples=5, deadline=None)
@given(dag=dags(), data=st.data())
def test_random_dags_give_the_local_result(ray_session, dag, data):
    inputs, parents, outputs, overridden = dag
    module = dag_module(parents, "ray_dag")
    input_values = {name: data.draw(st.integers(-100, 100)) for name in inputs}
    overrides = {name: data.draw(st.integers(-100, 100)) for name in overridden}
    expected, _ = _expected(parents, input_values, overrides, outputs)
    local = driver.Builder().with_modules(module).build()
    assert local.execute(outputs, inputs=input_values, overrides=overrides) == expected
    assert _on_ray(module).execute(outputs, inputs=input_values, overrides=overrides) == expected


class GraphOutcome:
    def __init__(self):
        self.outcomes = []

    def run_before_graph_execution(self, **kwargs):
        pass

    def run_after_graph_execution(self, *, success, error, **kwargs):
        self.outcomes.append((success, type(error).__name__))


def test_a_failing_node_keeps_its_type_and_note_across_the_wire(ray_session):
    seen = GraphOutcome()
    dr = _on_ray(dask_nodes, adapters=(seen,))
    with pytest.raises(dask_nodes.NodeFailed, match="cannot use 40.0") as raised:
        dr.execute(["after_broken"])
    assert type(raised.value) is dask_nodes.NodeFailed  # not Ray's RayTaskError(NodeFailed)
    notes = raised.value.__notes__
    assert any(note.startswith("dataflow: while computing node 'broken'")
               and "dask_nodes.py:" in note for note in notes), notes
    assert seen.outcomes == [(False, "NodeFailed")]  # the run waited for the real outcome
    # a result that cannot travel back names its node, not the node that read it
    with pytest.raises(TypeError, match="pickle") as unsent:
        _on_ray(ray_nodes).execute(["reads_unpicklable"])
    assert any("node 'unpicklable_result' (" in note for note in unsent.value.__notes__)


def test_what_cannot_ship_is_named_before_anything_runs(ray_session, tmp_path):
    marker = tmp_path / "ran"
    module = ad_hoc_utils.create_temporary_module(
        dask_nodes.spend, dask_nodes.signups, dask_nodes.spend_per_signup, dask_nodes.total,
        dask_nodes.marker, dask_nodes._make_locked(), dask_nodes._make_closure(2.0))
    dr = _on_ray(module)
    with pytest.raises(NotPicklableError) as raised:
        dr.execute(["guarded", "marker", "scaled"], inputs={"path": str(marker)})
    message = str(raised.value)
    assert "  guarded (" in message and "dask_nodes.py:" in message
    assert "marker (" not in message and "scaled (" not in message  # a closure ships
    assert not marker.exists()  # nothing ran
    assert dr.execute(["scaled"]) == {"scaled": 80.0}
    import threading

    with pytest.raises(NotPicklableError, match=r"  thing \(read by kind, .*ray_nodes.py:"):
        _on_ray(ray_nodes).execute(["kind"], inputs={"thing": threading.Lock()})
    # a function of a module made at run time: named, until it is registered to ship by value
    made = ad_hoc_utils.module_from_source("def seven() -> int:\n    return 7\n",
                                           f"made_{uuid.uuid4().hex}")
    with pytest.raises(NotPicklableError, match="seven .*made at run time"):
        _on_ray(made).execute(["seven"])
    import cloudpickle

    cloudpickle.register_pickle_by_value(made)  # as for dask: Ray's registry follows
    assert _on_ray(made).execute(["seven"]) == {"seven": 7}


def test_node_hooks_run_on_the_workers_and_report_back(ray_session):
    pids, timer = WorkerPids(), NodeTimer()
    dr = _on_ray(dask_nodes, adapters=(pids, timer))
    assert dr.execute(["total"]) == {"total": 40.0}
    assert set(pids.ran_in) == {"spend", "signups", "spend_per_signup", "total"}
    assert os.getpid() not in set(pids.ran_in.values())
    assert set(timer.last_run) >= {"spend", "signups", "spend_per_signup", "total"}
    # after a failure, the nodes that ran report back, the failing one with its failure
    failing = WorkerPids()
    with pytest.raises(dask_nodes.NodeFailed):
        _on_ray(dask_nodes, adapters=(failing,)).execute(["broken"])
    assert set(failing.ran_in) == {"spend", "signups", "spend_per_signup", "total", "broken"}


def test_a_failing_data_quality_check_fails_as_on_the_local_driver(ray_session):
    local = driver.Builder().with_modules(dask_checked).build()
    with pytest.raises(Exception) as on_local:
        local.execute(["ratio"])
    with pytest.raises(type(on_local.value)) as on_ray:
        _on_ray(dask_checked).execute(["ratio"])
    assert str(on_ray.value) == str(on_local.value)


# -- RayTaskExecutor: fan-out blocks on Ray ----------------------------------------------------


def test_fan_out_blocks_on_ray_equal_the_local_run_and_report_back(ray_session):
    expected = fan_out_driver(fanout_nodes, remote=SynchronousLocalTaskExecutor()).execute(
        ["total", "listing", "after"], inputs={"n": 5})
    pids = WorkerPids()
    on_ray = fan_out_driver(fanout_nodes, remote=h_ray.RayTaskExecutor(), adapters=(pids,))
    assert on_ray.execute(["total", "listing", "after"], inputs={"n": 5}) == expected
    assert {"doubled", "squared"} <= set(pids.ran_in)
    assert pids.ran_in["doubled"] != os.getpid()
    both = fan_out_driver(fanout_nodes, remote=h_ray.RayTaskExecutor(skip_init=True),
                    local=h_ray.RayTaskExecutor(max_tasks=2))
    assert both.execute(["total", "listing", "after"], inputs={"n": 5}) == expected
    assert ray_session.is_initialized()  # the executors used the running Ray and left it


def test_what_a_block_shares_is_sent_once_for_all_its_items(ray_session):
    dr = fan_out_driver(ray_block, remote=h_ray.RayTaskExecutor())
    big = ray_nodes.Counted(list(range(10_000)))
    ray_nodes.Counted.pickled = 0
    assert dr.execute(["scaled_total"], inputs={"n": 6, "big": big}) == {"scaled_total": 15}
    assert ray_nodes.Counted.pickled == 1  # six items, one trip to the object store


def test_a_failing_item_on_ray_keeps_its_type_and_notes(ray_session):
    dr = fan_out_driver(fanout_nodes, remote=h_ray.RayTaskExecutor())
    with pytest.raises(ArithmeticError, match="item 3") as raised:
        dr.execute(["total"], inputs={"n": 6}, overrides={"base": -1})
    assert type(raised.value) is ArithmeticError
    notes = "\n".join(raised.value.__notes__)
    assert "node 'doubled'" in notes and "fan-out item 3" in notes


def test_an_unshippable_block_node_is_named_before_its_items_run(ray_session):
    def numbers(n: int) -> Parallelizable[int]:
        yield from range(n)

    def make():
        import threading

        lock = threading.Lock()

        def held(numbers: int) -> int:
            with lock:
                return numbers

        return held

    def summed(held: Collect[int]) -> int:
        return sum(held)

    module = ad_hoc_utils.create_temporary_module(numbers, make(), summed)
    dr = fan_out_driver(module, remote=h_ray.RayTaskExecutor())
    with pytest.raises(NotPicklableError, match="  held "):
        dr.execute(["summed"], inputs={"n": 3})
