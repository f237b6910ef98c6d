"""dataflow.execution.reports: adapters' copies in worker processes report back to the caller's
adapter (report_to_caller / receive_from_worker)."""

from __future__ import annotations

import os

import pytest

from dataflow import driver
from dataflow.execution import executors
from tests.plugins import timed_nodes
from tests.plugins.reporting_adapters import RefusesReports, WorkerPids


def _driver(adapter: object, executor: object) -> driver.Driver:
    return (driver.Builder().with_modules(timed_nodes).with_adapters(adapter)
            .enable_dynamic_execution(allow_experimental_mode=True)
            .with_local_executor(executor).build())


def test_each_workers_report_reaches_the_callers_adapter_before_execute_returns():
    pids = WorkerPids()
    dr = _driver(pids, executors.MultiProcessingExecutor(2))
    assert dr.execute(["joined"], inputs={"start": 1.0}) == {"joined": 4.0}
    assert set(pids.ran_in) == {"short", "long", "joined"}
    assert os.getpid() not in pids.ran_in.values()
    assert pids._pending == []  # the caller's own copy heard nothing directly


def test_a_failed_nodes_report_arrives_with_its_exception():
    pids = WorkerPids()
    dr = _driver(pids, executors.MultiProcessingExecutor(2))
    with pytest.raises(ZeroDivisionError) as raised:
        dr.execute(["broken"], inputs={"start": 1.0})
    assert "broken" in pids.ran_in
    assert not hasattr(raised.value, "__dataflow_worker_reports__")


def test_threads_call_the_callers_adapter_itself_and_report_nothing():
    pids = WorkerPids()
    dr = _driver(pids, executors.MultiThreadingExecutor(2))
    dr.execute(["joined"], inputs={"start": 1.0})
    assert pids.ran_in == {} and len(pids._pending) == 3


def test_an_adapter_refusing_a_report_fails_the_run_naming_it_and_the_node():
    dr = _driver(RefusesReports(), executors.MultiProcessingExecutor(2))
    with pytest.raises(RuntimeError, match="cannot take a report") as raised:
        dr.execute(["short"], inputs={"start": 1.0})
    notes = " ".join(getattr(raised.value, "__notes__", []))
    assert "RefusesReports.receive_from_worker" in notes and "'short'" in notes
