"""Configuration-driven training (issue 12): what the framework costs on the example.

    python -m benchmarks.training             # 20 stores x 400 days, 8 tuning trials
    python -m benchmarks.training --quick     # small sizes, a smoke run (the suite runs this)

Three figures, each the median of ``--repeats`` runs after one unreported run:

* **compile**: ``compile_pipeline("model.yaml")`` of ``examples/training`` (YAML + Jinja +
  pydantic + the SQL file + generating and importing the graph's module);
* **overhead**: one run of the compiled pipeline (SQL extract on the DuckDB file, the
  dataflow feature extract, Ridge fit, evaluate, save to the envelope and log the metrics; no
  cache) against the same steps written by hand in the same process, runs interleaved
  (target: at most 1.1x);
* **tuning**: 8 grid trials of a gradient-boosting regressor (scikit-learn's
  ``GradientBoostingRegressor``: one trial uses one core, ~2 s of CPU each) with
  ``n_function_compute_workers`` 1 and 2 on processes, in alternating pairs after one
  unreported pair (target: 2 workers at least 1.6x faster). Wall time needs two free cores,
  so beside it, figures that a loaded machine does not bend: the CPU seconds of each run (this
  process and its worker processes), the *concurrency* of the 2-worker run (sum of the trials'
  wall times / the run's wall time: how many trials ran at once), and the *CPU-time estimate*
  of the speed-up on a quiet machine (1-worker CPU / (this process's CPU + the workers' CPU /
  2) of the 2-worker run). *Cores used* (CPU seconds / wall seconds of a run) shows how much of
  the machine the run got: on a shared Linux machine with ``sched_autogroup`` (the default) the
  CPU is shared between sessions, not threads, so a second worker process adds no CPU while
  other sessions keep both cores busy. The load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "training"


def median_seconds(run: Callable[[], Any], repeats: int) -> float:
    run()  # warm: imports, first-call costs
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def prepare(directory: Path, stores: int, days: int) -> Path:
    from examples.training.generate import write_sales_database

    for name in ("extracts.yaml", "model.yaml", "tuning.yaml", "backtest.yaml", "sales.sql"):
        shutil.copy(EXAMPLE / name, directory / name)
    write_sales_database(directory / "data" / "sales.duckdb", stores, days, seed=3)
    return directory


def hand_written(directory: Path) -> dict[str, Any]:
    """The pipeline's steps without the framework: query, features, fit, evaluate, save."""
    import duckdb
    import numpy as np
    import pandas as pd
    import yaml
    from sklearn.linear_model import Ridge

    from dataflow import base, driver
    from dataflow.io.utils import atomic_path
    from examples.demand_forecasting import (
        calendar_features,
        price_features,
        promo_features,
        sales_features,
    )
    from examples.training import sales_table

    model = yaml.safe_load((directory / "model.yaml").read_text())
    extracts = yaml.safe_load((directory / "extracts.yaml").read_text())
    args = dict(model["constructor_args"])
    features_list, target = args.pop("features"), args.pop("target")
    args.pop("estimator"), args.pop("query")
    query = (directory / "sales.sql").read_text().replace("{{ table }}", "sales")
    connection = duckdb.connect(str(directory / "data" / "sales.duckdb"), read_only=True)
    try:
        sales = connection.execute(query, extracts["sales"]["params"]).df()
    finally:
        connection.close()
    dr = (driver.Builder().with_modules(sales_table, calendar_features, price_features,
                                        promo_features, sales_features)
          .with_config({"horizon": 7}).with_adapters(base.PandasDataFrameResult()).build())
    frame = dr.execute(extracts["features"]["final_vars"], inputs={"sales": sales})
    cut = frame["date"].max().normalize() - pd.Timedelta(days=27)
    train, test = frame[frame["date"] < cut], frame[frame["date"] >= cut]
    train, test = train.query("history_complete"), test.query("history_complete")
    fitted = Ridge(**args).fit(train[features_list], train[target])
    actual = test[target].to_numpy()
    error = fitted.predict(test[features_list]) - actual
    metrics = {"rmse": float(np.sqrt(np.mean(error ** 2))), "mae": float(np.mean(np.abs(error))),
               "r2": 1 - float(np.sum(error ** 2) / np.sum((actual - actual.mean()) ** 2)),
               "rows": len(test)}
    if model.get("save_to") == "directory":
        out = directory / "hand"
        out.mkdir(exist_ok=True)
        with atomic_path(out / "model.pkl") as tmp, open(tmp, "wb") as f:
            pickle.dump(fitted, f)
    else:  # the same envelope call as the pipeline's save step
        from dataflow import envelope

        registry = envelope.Registry(directory / "hand_registry")
        saved = envelope.save_model(
            fitted, description=model["model_description"],
            tags={"model_name": model["model_name"], **model["tags"]},
            api_input=train[features_list].head(5), registry=registry)
        envelope.log_metrics(saved, registry=registry, **metrics)
    return metrics


def tuning_config(directory: Path, workers: int, trials: int) -> Path:
    """A grid of ``trials`` learning rates of a gradient-boosting regressor (150 trees: one
    core, ~2 s a trial on 20 stores x 400 days) on the example's features."""
    model = (directory / "model.yaml").read_text().replace(
        "sklearn.linear_model.Ridge", "sklearn.ensemble.GradientBoostingRegressor").replace(
        "  alpha: 1.0\n  fit_intercept: true\n", "  n_estimators: 150\n  random_state: 0\n")
    (directory / "model_gb.yaml").write_text(model)
    path = directory / f"tuning_{workers}.yaml"
    path.write_text(
        "model: model_gb.yaml\ntuning_type: grid\nmetric: rmse\nexecutor: processes\n"
        f"n_function_compute_workers: {workers}\n"
        "parameters:\n"
        f"  learning_rate: {{min: 0.05, max: {0.05 * trials:.2f}, step: 0.05}}\n")
    return path


def timed_tuning(config: Path) -> dict[str, float]:
    """Wall seconds of ``tune(config)``, CPU seconds of this process and of the worker
    processes it reaped (a pool lives for one run), and the sum of the trials' wall times."""
    from dataflow.training.tuning import tune

    before, start = os.times(), time.perf_counter()
    result = tune(config, save=False)
    wall, after = time.perf_counter() - start, os.times()
    return {"wall": wall,
            "cpu here": (after.user - before.user) + (after.system - before.system),
            "cpu workers": ((after.children_user - before.children_user)
                            + (after.children_system - before.children_system)),
            "trial seconds": sum(t["seconds"] for t in result.trials)}


def tuning_figures(directory: Path, trials: int, pairs: int) -> dict[str, float]:
    """1 and 2 workers in alternating pairs (a change of load hits both alike), medians."""
    configs = {workers: tuning_config(directory, workers, trials) for workers in (1, 2)}
    for workers in (1, 2):  # warm: imports, the extract cache, first-call costs
        timed_tuning(configs[workers])
    runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    for pair in range(pairs):
        for workers in ((1, 2) if pair % 2 == 0 else (2, 1)):
            runs[workers].append(timed_tuning(configs[workers]))

    def median(workers: int, key: str) -> float:
        return statistics.median(run[key] for run in runs[workers])

    one, two = runs[1], runs[2]
    return {
        "tuning 1 worker s": median(1, "wall"),
        "tuning 2 workers s": median(2, "wall"),
        "tuning speed-up x": statistics.median(a["wall"] / b["wall"] for a, b in zip(one, two)),
        "tuning 1 worker CPU s": median(1, "cpu here") + median(1, "cpu workers"),
        "tuning 2 workers CPU s": median(2, "cpu here") + median(2, "cpu workers"),
        "1 worker cores used": statistics.median(
            (r["cpu here"] + r["cpu workers"]) / r["wall"] for r in one),
        "2 workers cores used": statistics.median(
            (r["cpu here"] + r["cpu workers"]) / r["wall"] for r in two),
        "2 workers concurrency": statistics.median(r["trial seconds"] / r["wall"] for r in two),
        "CPU-time speed-up x": statistics.median(
            a["cpu here"] / (b["cpu here"] + b["cpu workers"] / 2) for a, b in zip(one, two)),
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--pairs", type=int, default=3, help="tuning runs of 1 and 2 workers")
    args = parser.parse_args(argv)
    stores, days, trials, repeats, pairs = ((3, 150, 2, 1, 1) if args.quick
                                            else (20, 400, 8, args.repeats, args.pairs))
    start_load = os.getloadavg()

    from dataflow.training.pipeline import compile_pipeline

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        directory = prepare(Path(tmp), stores, days)
        model = directory / "model.yaml"
        figures["compile ms"] = 1000 * median_seconds(lambda: compile_pipeline(model), repeats)
        pipeline = compile_pipeline(model)
        framework_metrics = pipeline.run()["metrics"]  # also the warm-up run
        hand_metrics = hand_written(directory)
        assert abs(framework_metrics["rmse"] - hand_metrics["rmse"]) < 1e-9, \
            (framework_metrics, hand_metrics)
        framework_times, hand_times = [], []
        for _ in range(repeats):  # interleaved: a change of load hits both alike
            start = time.perf_counter()
            pipeline.run()
            framework_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            hand_written(directory)
            hand_times.append(time.perf_counter() - start)
        figures["pipeline s"] = statistics.median(framework_times)
        figures["hand s"] = statistics.median(hand_times)
        figures["overhead x"] = figures["pipeline s"] / figures["hand s"]
        figures.update(tuning_figures(directory, trials, pairs))
    load = os.getloadavg()
    print(f"training benchmark: {stores} stores x {days} days, {trials} tuning trials, "
          f"{pairs} pair(s) of tuning runs; {os.cpu_count()} CPUs; load average (1, 5, 15 min) "
          f"at start {start_load[0]:.2f} {start_load[1]:.2f} {start_load[2]:.2f}, at end "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; Python {sys.version.split()[0]}")
    for name, value in figures.items():
        print(f"  {name:28s} {value:10.3f}")
    print(f"tuning, 2 workers vs 1: {figures['tuning speed-up x']:.2f}x by wall time (target "
          f">= 1.6x; needs two free cores), {figures['CPU-time speed-up x']:.2f}x by CPU time, "
          f"{figures['2 workers concurrency']:.2f} trials at once")
    return figures


if __name__ == "__main__":
    main()
