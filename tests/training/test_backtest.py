"""Backtests: windows from the config never leak test dates into training; per-window metrics
in parallel; a failing window is reported while the others finish."""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflow.training.backtest import backtest, time_windows
from dataflow.training.steps import split_by_time


@given(strategy=st.sampled_from(["sliding_time_window", "expanding_window"]),
       end=st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2030, 1, 1)),
       days_backward=st.integers(1, 200), train_size=st.integers(1, 90),
       test_size=st.integers(1, 40), step=st.integers(2, 40))
def test_windows_never_leak_test_dates_into_training(strategy: str, end: datetime.date,
                                                     days_backward: int, train_size: int,
                                                     test_size: int, step: int) -> None:
    windows = time_windows(strategy, end, days_backward, train_size, test_size, step)
    period_start = end - datetime.timedelta(days=days_backward - 1)
    days = pd.date_range(period_start - datetime.timedelta(days=5),
                         end + datetime.timedelta(days=5))
    frame = pd.DataFrame({"date": days, "v": range(len(days))})
    for w in windows:
        assert w["train_end"] <= w["test_start"] < w["test_end"]
        assert period_start <= w["train_start"] and w["test_end"] <= end + datetime.timedelta(1)
        assert (w["test_end"] - w["test_start"]).days == test_size
        if strategy == "sliding_time_window":
            assert (w["train_end"] - w["train_start"]).days == train_size
        train, test = split_by_time({"data": frame}, "date", pd.Timestamp(w["train_end"]),
                                    pd.Timestamp(w["test_end"]), pd.Timestamp(w["train_start"]))
        assert not set(train["data"]["date"]) & set(test["data"]["date"])
        assert train["data"]["date"].max() < test["data"]["date"].min()
        assert len(test["data"]) == test_size
    assert [w["test_start"] for w in windows] == sorted({w["test_start"] for w in windows})


@pytest.fixture
def daily(tmp_path: Path) -> Path:
    (tmp_path / "extracts.yaml").write_text(
        "series:\n  operator: sql\n  query: >-\n"
        "    select d::timestamp as date, (extract(day from d) % 7)::double as value\n"
        "    from range(date '2024-01-01', date '2024-04-01', interval 1 day) t(d)\n")
    (tmp_path / "model.yaml").write_text(
        "model_name: mean\nmodel_trainer: tests.training.trainers.FailingOnWindowTrainer\n"
        "constructor_args: {fail_end: '2024-02-18'}\n"
        "dependencies: [{train_param_name: data, file: extracts.yaml, file_param_name: series}]\n")
    (tmp_path / "backtest.yaml").write_text(
        "model: model.yaml\nstrategy: expanding_window\ntime_column: date\n"
        "days_backward: 70\ntrain_size: 28\ntest_size: 7\nstep: 7\n"
        "n_function_compute_workers: 2\nexecutor: processes\nmetric: mae\n")
    return tmp_path


def test_backtest_runs_every_window_and_reports_the_failing_one(daily: Path) -> None:
    result = backtest(daily / "backtest.yaml")
    table = result.table()
    assert len(table) == 6
    assert list(table["test_start"]) == [datetime.date(2024, 2, 19) + datetime.timedelta(7 * i)
                                         for i in range(6)]
    assert (table["train_start"] == datetime.date(2024, 1, 22)).all()  # expanding
    assert (table["rows"].dropna() == 7).all()
    [failed] = result.failed
    assert failed["train_end"] == datetime.date(2024, 2, 19)
    assert failed["error"] == "RuntimeError: no data for this window"
    assert table["mae"].notna().sum() == 5
    picture = result.plot(daily / "backtest.svg")
    assert "<svg" in picture.read_text()


def test_cli_backtest_prints_the_table(daily: Path) -> None:
    from tests.training.test_pipeline import run_cli

    done = run_cli("backtest", "backtest.yaml", "--table", "windows.csv", "--plot", "b.png",
                   cwd=daily)
    assert done.returncode == 0, done.stderr
    assert "window 0 failed: RuntimeError: no data for this window" in done.stderr
    assert len((daily / "windows.csv").read_text().splitlines()) == 7
    assert "test_start" in done.stdout
