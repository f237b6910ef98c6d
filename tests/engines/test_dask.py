"""plugins.h_dask on a real distributed.LocalCluster (2 worker processes): results equal to the
local driver and to Hamilton's DaskGraphAdapter; failures, unshippable nodes, hooks and
data-quality checks as on the local driver."""

from __future__ import annotations

import os
import uuid

import cloudpickle
import dask
import dask.dataframe as dd
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataflow import ad_hoc_utils, base, driver
from dataflow.execution.executors import SynchronousLocalTaskExecutor
from dataflow.execution.tasks import NotPicklableError
from dataflow.htypes import Collect, Parallelizable
from plugins import h_dask
from plugins.h_timing import NodeTimer
from tests.core.test_properties import _expected, dags
from tests.engines import dask_checked, dask_nodes, ray_nodes
from tests.engines.drivers import dag_module, fan_out_driver
from tests.execution import fanout_nodes
from tests.plugins.reporting_adapters import WorkerPids

OUTPUTS = ["avg_spend", "spend_per_signup", "total"]


def _on_dask(client, *modules, adapters=(), **kwargs):
    return (driver.Builder().with_modules(*modules)
            .with_adapters(h_dask.DaskGraphAdapter(client, **kwargs), *adapters).build())


def test_results_equal_the_local_driver(dask_client):
    local = driver.Builder().with_modules(dask_nodes).with_adapters(
        base.PandasDataFrameResult()).build()
    expected = local.execute(OUTPUTS, inputs={"window": 2})
    pd.testing.assert_frame_equal(_on_dask(dask_client, dask_nodes).execute(
        OUTPUTS, inputs={"window": 2}), expected)
    as_dict = _on_dask(dask_client, dask_nodes, result_builder=base.DictResult())
    assert as_dict.execute(["label"], inputs={"window": 2, "name": "n"}) == {"label": "n: 40.0"}
    # raw_execute: the values themselves, computed in the run
    raw = as_dict.raw_execute(["total", "spend"], inputs={"window": 2})
    assert raw["total"] == 40.0 and isinstance(raw["spend"], pd.Series)


def test_results_equal_hamiltons_dask_adapter(dask_client):
    from hamilton import driver as h_driver
    from hamilton.plugins import h_dask as hamilton_dask

    hamilton = h_driver.Driver({}, dask_nodes,
                               adapter=hamilton_dask.DaskGraphAdapter(dask_client))
    ours = driver.Driver({}, dask_nodes, adapter=h_dask.DaskGraphAdapter(dask_client))
    pd.testing.assert_frame_equal(ours.execute(OUTPUTS, inputs={"window": 3}),
                                  hamilton.execute(OUTPUTS, inputs={"window": 3}))


@settings(max_examples=8, deadline=None)
@given(dag=dags(), data=st.data())
def test_random_dags_give_the_local_result(dask_client, dag, data):
    inputs, parents, outputs, overridden = dag
    module = dag_module(parents, "dask_dag")
    input_values = {name: data.draw(st.integers(-100, 100)) for name in inputs}
    overrides = {name: data.draw(st.integers(-100, 100)) for name in overridden}
    expected, _ = _expected(parents, input_values, overrides, outputs)
    local = driver.Builder().with_modules(module).build()
    on_dask = _on_dask(dask_client, module, result_builder=base.DictResult())
    assert local.execute(outputs, inputs=input_values, overrides=overrides) == expected
    assert on_dask.execute(outputs, inputs=input_values, overrides=overrides) == expected


class GraphOutcome:
    def __init__(self):
        self.outcomes = []

    def run_before_graph_execution(self, **kwargs):
        pass

    def run_after_graph_execution(self, *, success, error, **kwargs):
        self.outcomes.append((success, type(error).__name__))


def test_a_failing_node_keeps_its_type_and_note_across_the_wire(dask_client):
    seen = GraphOutcome()
    dr = _on_dask(dask_client, dask_nodes, adapters=(seen,))
    with pytest.raises(dask_nodes.NodeFailed, match="cannot use 40.0") as raised:
        dr.execute(["after_broken"])
    notes = raised.value.__notes__
    assert any(note.startswith("dataflow: while computing node 'broken'")
               and "dask_nodes.py:" in note for note in notes), notes
    # the graph hooks after the run see its real outcome (the graph ran inside the run)
    assert seen.outcomes == [(False, "NodeFailed")]


def test_a_node_that_cannot_ship_is_named_before_anything_runs(dask_client, tmp_path):
    marker = tmp_path / "ran"
    module = ad_hoc_utils.create_temporary_module(
        dask_nodes.spend, dask_nodes.signups, dask_nodes.spend_per_signup, dask_nodes.total,
        dask_nodes.marker, dask_nodes._make_locked())
    dr = _on_dask(dask_client, module, result_builder=base.DictResult())
    with pytest.raises(NotPicklableError) as raised:
        dr.execute(["guarded", "marker"], inputs={"path": str(marker)})
    message = str(raised.value)
    assert "  guarded (" in message and "dask_nodes.py:" in message
    assert "marker (" not in message
    assert not marker.exists()  # nothing ran


def test_a_closure_ships_as_with_hamilton(dask_client):
    module = ad_hoc_utils.create_temporary_module(
        dask_nodes.spend, dask_nodes.signups, dask_nodes.spend_per_signup, dask_nodes.total,
        dask_nodes._make_closure(2.0))
    dr = _on_dask(dask_client, module, result_builder=base.DictResult())
    assert dr.execute(["scaled"]) == {"scaled": 80.0}


def test_a_function_of_a_run_time_module_is_named(dask_client):
    module = ad_hoc_utils.module_from_source("def seven() -> int:\n    return 7\n",
                                             f"made_{uuid.uuid4().hex}")
    dr = _on_dask(dask_client, module, result_builder=base.DictResult())
    with pytest.raises(NotPicklableError, match="seven .*made at run time"):
        dr.execute(["seven"])
    cloudpickle.register_pickle_by_value(module)
    assert dr.execute(["seven"]) == {"seven": 7}


def test_node_hooks_run_on_the_workers_and_report_back(dask_client):
    pids, timer = WorkerPids(), NodeTimer()
    dr = _on_dask(dask_client, dask_nodes, adapters=(pids, timer),
                  result_builder=base.DictResult())
    assert dr.execute(["total"]) == {"total": 40.0}
    assert set(pids.ran_in) == {"spend", "signups", "spend_per_signup", "total"}
    assert os.getpid() not in set(pids.ran_in.values())
    assert set(timer.last_run) >= {"spend", "signups", "spend_per_signup", "total"}


def test_a_failing_data_quality_check_fails_as_on_the_local_driver(dask_client):
    local = driver.Builder().with_modules(dask_checked).build()
    with pytest.raises(Exception) as on_local:
        local.execute(["ratio"])
    with pytest.raises(type(on_local.value)) as on_dask:
        _on_dask(dask_client, dask_checked, result_builder=base.DictResult()).execute(["ratio"])
    assert str(on_dask.value) == str(on_local.value)


def test_use_delayed_false_builds_a_dask_dataframe_over_dask_columns(dask_client):
    def spend() -> dd.Series:
        return dd.from_pandas(pd.Series([1.0, 2.0, 3.0, 4.0]), npartitions=2)

    def doubled(spend: dd.Series) -> dd.Series:
        return spend * 2

    def mean_spend(spend: dd.Series) -> float:
        return spend.mean()

    module = ad_hoc_utils.create_temporary_module(spend, doubled, mean_spend)
    lazy = _on_dask(dask_client, module, result_builder=h_dask.DaskDataFrameResult(),
                    use_delayed=False, compute_at_end=False)
    frame = lazy.execute(["spend", "doubled", "mean_spend"])
    assert isinstance(frame, dd.DataFrame)
    computed = frame.compute()
    assert list(computed.columns) == ["spend", "doubled", "mean_spend"]
    assert computed["doubled"].tolist() == [2.0, 4.0, 6.0, 8.0]
    assert computed["mean_spend"].tolist() == [2.5] * 4
    eager = _on_dask(dask_client, module, result_builder=h_dask.DaskDataFrameResult(),
                     use_delayed=False)
    pd.testing.assert_frame_equal(eager.execute(["spend", "doubled", "mean_spend"]), computed)


def test_compute_at_end_false_returns_a_delayed_result(dask_client):
    dr = _on_dask(dask_client, dask_nodes, compute_at_end=False,
                  result_builder=base.DictResult())
    result = dr.execute(["total"])
    assert dask.is_dask_collection(result)
    assert result.compute(scheduler=dask_client) == {"total": 40.0}


def test_the_configured_scheduler_runs_the_graph_without_a_client():
    with dask.config.set(scheduler="synchronous"):
        dr = _on_dask(None, dask_nodes, result_builder=base.DictResult())
        assert dr.execute(["label"], inputs={"name": "s"}) == {"label": "s: 40.0"}


# -- DaskExecutor: fan-out blocks on the cluster ----------------------------------------------


def test_fan_out_blocks_on_the_cluster_equal_the_local_run(dask_client):
    local = fan_out_driver(fanout_nodes, remote=SynchronousLocalTaskExecutor())
    expected = local.execute(["total", "listing", "after"], inputs={"n": 5})
    on_dask = fan_out_driver(fanout_nodes, remote=h_dask.DaskExecutor(client=dask_client))
    assert on_dask.execute(["total", "listing", "after"], inputs={"n": 5}) == expected
    both = fan_out_driver(fanout_nodes, remote=h_dask.DaskExecutor(client=dask_client),
                    local=h_dask.DaskExecutor(client=dask_client, max_tasks=2))
    assert both.execute(["total", "listing", "after"], inputs={"n": 5}) == expected


def test_a_failing_item_on_the_cluster_keeps_its_type_and_notes(dask_client):
    dr = fan_out_driver(fanout_nodes, remote=h_dask.DaskExecutor(client=dask_client))
    with pytest.raises(ArithmeticError, match="item 3") as raised:
        dr.execute(["total"], inputs={"n": 6}, overrides={"base": -1})
    notes = "\n".join(raised.value.__notes__)
    assert "node 'doubled'" in notes and "fan-out item 3" in notes


def test_fan_out_hooks_on_the_cluster_report_back(dask_client):
    pids = WorkerPids()
    dr = fan_out_driver(fanout_nodes, remote=h_dask.DaskExecutor(client=dask_client),
                        adapters=(pids,))
    assert dr.execute(["total"], inputs={"n": 3})["total"] == sum(
        (i * 6 + 30) ** 2 for i in range(3))
    assert {"doubled", "squared"} <= set(pids.ran_in)
    assert pids.ran_in["doubled"] != os.getpid()


def test_an_unpicklable_block_node_is_named_before_the_fan_out_runs(dask_client):
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
    dr = fan_out_driver(module, remote=h_dask.DaskExecutor(client=dask_client))
    with pytest.raises(NotPicklableError, match="  held "):
        dr.execute(["summed"], inputs={"n": 3})


def test_a_value_is_not_serialized_again_to_name_the_run_graph(dask_client):
    """dask names a graph by hashing its tasks, pickling (twice) what it does not know how to
    hash: every input and every node's task, in every run. The run's graph is named by its keys
    (unique to the run) instead: the input is pickled only to be sent (the client's graph to
    the scheduler, the scheduler's task to a worker: both in this process on a LocalCluster;
    4 times before)."""
    dr = _on_dask(dask_client, ray_nodes, result_builder=base.DictResult())
    big = ray_nodes.Counted(list(range(100_000)))
    ray_nodes.Counted.pickled = 0
    assert dr.execute(["ends"], inputs={"big": big}) == {"ends": (0, 99_999, 100_000)}
    assert ray_nodes.Counted.pickled <= 2


def _slow_tenfold(n: int) -> int:
    import time

    time.sleep(1.0)
    return n * 10


def _run_in_fork(dr, address, n, answers):
    from distributed import Client

    with Client(address):
        answers.put(dr.execute(["tenfold"], inputs={"n": n}))


def test_runs_of_forked_copies_of_one_adapter_never_share_task_keys(dask_client):
    """A driver copied into a forked process (a pre-fork server, a multiprocessing pool) starts
    its runs with the same adapter state: two such runs at once on one cluster must not name
    their tasks alike (the cluster would hand one run the other's result)."""
    import multiprocessing

    def tenfold(n: int) -> int:
        return _slow_tenfold(n)

    module = ad_hoc_utils.create_temporary_module(tenfold)
    # no client given: each process runs on the client it opens (a forked client is dead)
    dr = (driver.Builder().with_modules(module)
          .with_adapters(h_dask.DaskGraphAdapter(result_builder=base.DictResult())).build())
    context = multiprocessing.get_context("fork")
    answers = context.Queue()
    children = [context.Process(target=_run_in_fork,
                                args=(dr, dask_client.scheduler.address, n, answers))
                for n in (1, 2)]
    for child in children:
        child.start()
    try:
        got = sorted(answers.get(timeout=60)["tenfold"] for _ in children)
    finally:
        for child in children:
            child.join(10)
            child.kill()
    assert got == [10, 20]
