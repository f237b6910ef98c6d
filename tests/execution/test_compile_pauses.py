"""No compile step after a run is estimated to cost more than MAX_PAUSE times that run, however
much credit earlier runs saved up: the stall bound of issue 8."""

from __future__ import annotations

from dataflow import base, driver
from dataflow.execution import runner as runner_module
from dataflow.execution.runner import MIN_STEPS, PlanRunner
from tests.execution.test_incremental_compile import _failing_chain


def _runner(length: int) -> PlanRunner:
    module = _failing_chain(fail_at=-1, length=length)
    dr = driver.Builder().with_modules(module).with_adapters(base.DictResult()).build()
    return PlanRunner(dr.execution_plan([f"n{length - 1}"], inputs={"x": 0}),
                      compile_after=10**9)


def test_saved_up_credit_never_buys_a_chunk_longer_than_the_run():
    runner = _runner(300)
    runner.compile_steps(10)
    runner._credit = 10.0  # ten seconds saved up: without the bound, the whole rest at once
    runner._compile_some(run_seconds=1e-9)  # after a run of nothing
    assert runner.compiled_steps == 10 + MIN_STEPS
    assert runner.run({"x": 0}) == {"n299": 300}


def test_the_chunk_grows_with_the_run_time(monkeypatch):
    runner = _runner(300)
    runner.compile_steps(10)
    runner._credit = 10.0
    monkeypatch.setattr(runner, "_per_step", 1e-5)  # type: ignore[attr-defined]
    runner._compile_some(run_seconds=3.05e-4)  # a run worth 30 steps of compiling
    assert runner.compiled_steps == 10 + 30


def test_a_small_plan_is_still_compiled_whole_on_its_second_run(monkeypatch):
    monkeypatch.setattr(runner_module, "COMPILE_AFTER_RUNS", 2)
    runner = _runner(20)
    runner.compile_after = 2
    for _ in range(2):
        assert runner.run({"x": 0}) == {"n19": 20}
    assert runner.runner is not None
