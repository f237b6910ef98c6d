"""ValidationResultsCollector keeps results per run: threads sharing one driver never see
each other's check results (issue 7)."""

from __future__ import annotations

import threading

import pandas as pd

from dataflow import ad_hoc_utils, driver
from dataflow.data_quality import ValidationResultsCollector
from dataflow.function_modifiers import check_output

both_started = threading.Barrier(2, timeout=10)


@check_output(range=(0.0, 1.0), importance="warn")
def share(raw: pd.Series) -> pd.Series:
    """Waits until both runs have started, so the runs truly overlap."""
    both_started.wait()
    return raw / 10.0


def test_concurrent_runs_of_one_driver_each_see_their_own_results():
    collector = ValidationResultsCollector()
    dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(share))
          .with_adapters(collector).build())
    seen: dict[str, dict[str, bool]] = {}

    def run(label: str, raw: pd.Series) -> None:
        dr.execute(["share"], inputs={"raw": raw})
        seen[label] = {name: result.passes for name, result in collector.results.items()}

    good = threading.Thread(target=run, args=("good", pd.Series([1.0, 2.0])))
    bad = threading.Thread(target=run, args=("bad", pd.Series([50.0, 2.0])))
    good.start()
    bad.start()
    good.join()
    bad.join()
    assert seen["good"] == {"share_range_validator": True}
    assert seen["bad"] == {"share_range_validator": False}
    assert len(collector.run_ids) == 2
    by_run = [collector.results_of(run_id) for run_id in collector.run_ids]
    assert sorted(r["share_range_validator"].passes for r in by_run) == [False, True]


def test_results_of_a_new_run_replace_the_thread_s_previous_ones():
    collector = ValidationResultsCollector()

    @check_output(range=(0.0, 1.0), importance="warn")
    def ratio(raw: pd.Series) -> pd.Series:
        return raw / 10.0

    dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(ratio))
          .with_adapters(collector).build())
    dr.execute(["ratio"], inputs={"raw": pd.Series([50.0])})
    assert collector.failures()
    dr.execute(["ratio"], inputs={"raw": pd.Series([5.0])})
    assert collector.failures() == {}
    assert list(collector.results) == ["ratio_range_validator"]


def test_a_thread_s_results_survive_any_number_of_runs_elsewhere():
    collector = ValidationResultsCollector()

    @check_output(range=(0, 10), importance="warn")
    def checked(inp: int) -> int:
        return inp

    dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(checked))
          .with_adapters(collector).build())
    dr.execute(["checked"], inputs={"inp": 100})
    first_run = collector.run_ids[-1]
    for _ in range(ValidationResultsCollector.KEEP_RUNS + 6):
        worker = threading.Thread(target=dr.execute, args=(["checked"],),
                                  kwargs={"inputs": {"inp": 1}})
        worker.start()
        worker.join()
    assert {name: r.passes for name, r in collector.failures().items()} == {
        "checked_range_validator": False}
    assert len(collector.run_ids) == ValidationResultsCollector.KEEP_RUNS
    assert collector.results_of(first_run) == {}  # dropped from the by-id history only
