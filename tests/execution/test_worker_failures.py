"""Failures around worker processes end the run promptly with an error that says what broke:
an adapter refusing a worker's report, a report or a starting value that does not pickle, a
worker process that dies, an exception that cannot travel back. Each run is a process of its
own (:mod:`tests.execution.worker_failures`) with a deadline, so a hang fails the test."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataflow import driver
from dataflow.execution import executors
from tests.core.test_properties import _expected, dags
from tests.execution.dag_modules import module_of
from tests.execution.worker_failures import RefusingAt

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEADLINE = 60.0
"""Seconds a scenario may take (they take well under 2 s; the machine may be loaded)."""


def run_scenario(name: str, *arguments: str) -> dict[str, Any]:
    """What ``name`` raised or returned, run in a process group of its own that is killed
    whole (worker processes included) if it outlives :data:`DEADLINE`."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.execution.worker_failures", name, *arguments],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    try:
        out, err = process.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"scenario {name!r} hung (killed after {DEADLINE:.0f} s):\n{out}\n{err}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    assert lines, f"scenario {name!r} printed no outcome:\n{out}\n{err}"
    return json.loads(lines[-1])  # type: ignore[no-any-return]


def test_an_adapter_refusing_a_report_while_another_node_runs_fails_the_run_not_hangs():
    outcome = run_scenario("refused_report")
    assert outcome.get("raised") == "RuntimeError", outcome
    assert outcome["message"] == "this adapter takes no report"
    assert any("Refusing.receive_from_worker" in note and "'short'" in note
               for note in outcome["notes"])


def test_a_refused_report_on_a_fanout_run_with_processes_both_sides_fails_the_run():
    outcome = run_scenario("refused_report_fanout")
    assert outcome.get("raised") == "RuntimeError", outcome
    assert any("Refusing.receive_from_worker" in note for note in outcome["notes"])


def test_a_report_that_does_not_pickle_names_the_hook_and_the_node():
    outcome = run_scenario("unpicklable_report")
    assert outcome.get("raised") in {"PicklingError", "AttributeError"}, outcome
    assert any("UnpicklableReport.report_to_caller" in note and "must pickle" in note
               for note in outcome["notes"])


@pytest.mark.parametrize(("scenario", "named"), [
    ("unpicklable_override", "override 'short' (builtins.function), read by joined"),
    ("unpicklable_input_fanout", "input 'anything' (builtins.function), read by "
                                 "reads_anything"),
    ("unpicklable_override_in_block", "override 'start' (builtins.function), read by "
                                      "the fan-out block of 'items'"),
])
def test_a_starting_value_that_does_not_pickle_is_refused_before_anything_runs(
        tmp_path, scenario, named):
    marker = tmp_path / "ran"
    outcome = run_scenario(scenario, str(marker))
    assert outcome.get("raised") == "NotPicklableError", outcome
    assert named in outcome["message"]
    assert not marker.exists()


@pytest.mark.parametrize("scenario", ["exits", "killed"])
def test_a_worker_process_that_dies_fails_the_run_naming_what_ran(scenario):
    outcome = run_scenario(scenario)
    assert outcome.get("raised") == "BrokenProcessPool", outcome
    (note,) = outcome["notes"]
    assert "ended abruptly" in note and "SIGKILL" in note
    assert f"'{scenario}'" in note  # the node that died, running or beside the one noted
    assert outcome["seconds"] < 30


def test_an_exception_that_cannot_be_unpickled_comes_back_as_a_stand_in_naming_it():
    outcome = run_scenario("two_arguments")
    assert outcome.get("raised") == "UnsendableExceptionError", outcome
    assert outcome["message"].startswith(
        "tests.execution.worker_failures.TwoArguments: no quote for the day")
    assert "TypeError" in outcome["message"] and "super().__init__" in outcome["message"]
    assert any("node 'raises_two_arguments'" in note for note in outcome["notes"])
    assert "raise TwoArguments" in outcome["cause"]  # the worker's traceback


def test_an_exception_that_does_not_pickle_comes_back_as_a_stand_in_naming_it():
    outcome = run_scenario("holding_a_lock")
    assert outcome.get("raised") == "UnsendableExceptionError", outcome
    assert outcome["message"].startswith(
        "tests.execution.worker_failures.HoldsALock: the ledger is busy")
    assert "_thread.lock" in outcome["message"]
    assert any("node 'raises_holding_a_lock'" in note for note in outcome["notes"])


def test_a_result_that_cannot_be_unpickled_here_names_its_node():
    outcome = run_scenario("value_two_arguments")
    assert outcome.get("raised") == "BrokenProcessPool", outcome
    (note,) = outcome["notes"]
    assert "node 'returns_two_arguments'" in note and "could not be unpickled here" in note
    assert "TwoArguments.__init__() missing" in outcome["cause"]


def _within(seconds: float, run: Any) -> Any:
    """``run()``'s result or exception, from a thread given ``seconds`` to finish: a hang
    fails the test instead of blocking the suite."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["returned"] = run()
        except BaseException as error:
            outcome["raised"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the run hung (still running after {seconds} s)"
    return outcome


@settings(max_examples=10)
@given(dag=dags(), data=st.data())
def test_refused_reports_anywhere_in_a_random_dag_end_the_run_on_processes(dag, data):
    inputs, parents, outputs, overridden = dag
    module = module_of(parents)
    input_values = {name: data.draw(st.integers(-100, 100)) for name in inputs}
    overrides = {name: data.draw(st.integers(-100, 100)) for name in overridden}
    expected, ran = _expected(parents, input_values, overrides, outputs)
    refused = frozenset(data.draw(st.lists(st.sampled_from(sorted(parents)), max_size=3)))
    adapter = RefusingAt(refused)
    dr = (driver.Builder().with_modules(module).with_adapters(adapter)
          .enable_dynamic_execution(allow_experimental_mode=True)
          .with_local_executor(executors.MultiProcessingExecutor(2)).build())
    outcome = _within(DEADLINE, lambda: dr.execute(outputs, inputs=input_values,
                                                  overrides=overrides))
    if refused.intersection(ran):
        error = outcome.get("raised")
        assert isinstance(error, RuntimeError) and "refused a report" in str(error), outcome
        assert any("RefusingAt.receive_from_worker" in note for note in error.__notes__)
    else:
        assert outcome == {"returned": expected}
        assert sorted(adapter.received) == sorted(ran)
