"""Backtesting: windows over time from the config, a train + evaluate per window (in parallel on
the execution stage's executors), a per-window metrics table and a plot.

Windows cover the ``days_backward`` days that end at ``end_date`` (by default the last date in
the data). Each test window is ``test_size`` days, the next one starts ``step`` days later; its
training window is the ``train_size`` days just before it (``sliding_time_window``) or every day
from the start of the period up to it (``expanding_window``). Training never reaches the test
window's first day.

>>> import datetime
>>> for w in time_windows("expanding_window", datetime.date(2024, 1, 30), days_backward=30,
...                       train_size=10, test_size=7, step=7):
...     print(w["train_start"], w["train_end"], w["test_start"], w["test_end"])
2024-01-01 2024-01-11 2024-01-11 2024-01-18
2024-01-01 2024-01-18 2024-01-18 2024-01-25
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dataflow.training.config import BacktestConfig, load_backtest_config
from dataflow.training.jobs import jobs_driver, run_jobs
from dataflow.training.pipeline import Pipeline, compile_pipeline

__all__ = ["BacktestResult", "backtest", "time_windows"]


def time_windows(strategy: str, end_date: datetime.date, days_backward: int, train_size: int,
                 test_size: int, step: int) -> list[dict[str, Any]]:
    """The windows: ``window``, ``train_start``, ``train_end``, ``test_start``, ``test_end``
    (dates; ``*_end`` is the first day after the window)."""
    day = datetime.timedelta(days=1)
    period_start = end_date - (days_backward - 1) * day
    period_end = end_date + day
    windows: list[dict[str, Any]] = []
    test_start = period_start + train_size * day
    while test_start + test_size * day <= period_end:
        train_start = (test_start - train_size * day if strategy == "sliding_time_window"
                       else period_start)
        windows.append({"window": len(windows), "train_start": train_start,
                        "train_end": test_start, "test_start": test_start,
                        "test_end": test_start + test_size * day})
        test_start += step * day
    return windows


@dataclass
class BacktestResult:
    """One row per window: its dates, its metrics (or its error)."""

    windows: list[dict[str, Any]]
    metric: str | None = None

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [w for w in self.windows if w["error"] is not None]

    def table(self) -> Any:
        import pandas as pd

        rows = []
        for w in self.windows:
            metrics = {k: v for k, v in (w["metrics"] or {}).items()
                       if isinstance(v, (int, float))}
            rows.append({k: w[k] for k in ("window", "train_start", "train_end", "test_start",
                                           "test_end")} | metrics | {"error": w["error"]})
        return pd.DataFrame(rows)

    def plot(self, path: str | os.PathLike[str]) -> Path:
        """The metric of each window against its test window's first day, with the training
        and test spans drawn beneath (.png, .svg, .pdf), written atomically."""
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        from dataflow.io.utils import atomic_path

        table = self.table()
        metric = self.metric or next(
            (c for c in table.columns if c not in {"window", "train_start", "train_end",
                                                   "test_start", "test_end", "error", "rows"}),
            None)
        figure, (top, bottom) = plt.subplots(2, 1, figsize=(8, 5), sharex=True,
                                             gridspec_kw={"height_ratios": [2, 1]})
        if metric is not None and metric in table:
            top.plot(table["test_start"], table[metric], marker="o")
            top.set_ylabel(metric)
        for _, row in table.iterrows():
            bottom.plot([row["train_start"], row["train_end"]], [row["window"]] * 2,
                        color="tab:blue", linewidth=3)
            bottom.plot([row["test_start"], row["test_end"]], [row["window"]] * 2,
                        color="tab:orange", linewidth=3)
        bottom.set_ylabel("window (train | test)")
        figure.autofmt_xdate()
        figure.tight_layout()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            figure.savefig(tmp, format=path.suffix.lstrip(".") or "png")
        plt.close(figure)
        return path


def backtest(config: str | os.PathLike[str] | BacktestConfig, pipeline: Pipeline | None = None,
             cache: bool = True) -> BacktestResult:
    """Train and evaluate the model of the backtest config on each window."""
    import pandas as pd

    from dataflow.training import steps

    if not isinstance(config, BacktestConfig):
        config = load_backtest_config(config)
    if pipeline is None:
        pipeline = compile_pipeline(config.model)
    model = pipeline.config
    datasets = pipeline.driver(cache=cache).execute(["training_data"])["training_data"]
    end_date = config.end_date
    if end_date is None:
        ends = [v[config.time_column].max() for v in datasets.values()
                if isinstance(v, pd.DataFrame) and config.time_column in v.columns]
        if not ends:
            raise ValueError(f"backtest: no dataset has the time column {config.time_column!r}")
        end_date = pd.Timestamp(max(ends)).date()
    windows = time_windows(config.strategy, end_date, config.days_backward, config.train_size,
                           config.test_size, config.step)
    if not windows:
        raise ValueError(f"backtest: days_backward={config.days_backward} holds no window of "
                         f"train_size={config.train_size} + test_size={config.test_size} days")
    jobs = []
    for w in windows:
        train, test = steps.split_by_time(
            datasets, config.time_column, pd.Timestamp(w["train_end"]),
            pd.Timestamp(w["test_end"]), pd.Timestamp(w["train_start"]))
        jobs.append({"key": w["window"], "constructor_args": model.constructor_args,
                     "train": train, "test": test})
    dr = jobs_driver(config.executor, config.n_function_compute_workers)
    outcomes = run_jobs(dr, jobs, model.model_trainer, {}, {})
    rows = [{**w, "metrics": o["metrics"], "error": o["error"]}
            for w, o in zip(windows, outcomes)]
    return BacktestResult(rows, config.metric)
