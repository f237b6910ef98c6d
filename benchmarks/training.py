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
* **tuning**: 8 grid trials of a gradient-boosting regressor (heavy enough to be worth a
  process) with ``n_function_compute_workers`` 1 and 2 on processes (target: 2 workers at
  least 1.6x faster). Needs two free cores: the load average is printed with the figures.
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
    path = directory / f"tuning_{workers}.yaml"
    path.write_text(
        "model: model.yaml\ntuning_type: grid\nmetric: rmse\nexecutor: processes\n"
        f"n_function_compute_workers: {workers}\n"
        "parameters:\n"
        f"  learning_rate: {{min: 0.05, max: {0.05 * trials:.2f}, step: 0.05}}\n")
    model = (directory / "model.yaml").read_text().replace(
        "sklearn.linear_model.Ridge", "sklearn.ensemble.GradientBoostingRegressor").replace(
        "  alpha: 1.0\n  fit_intercept: true\n", "  n_estimators: 150\n  random_state: 0\n")
    (directory / "model_gb.yaml").write_text(model)
    path.write_text(path.read_text().replace("model: model.yaml", "model: model_gb.yaml"))
    return path


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args(argv)
    stores, days, trials, repeats = (3, 150, 2, 1) if args.quick else (20, 400, 8, args.repeats)

    from dataflow.training.pipeline import compile_pipeline
    from dataflow.training.tuning import tune

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
        for workers in (1, 2):
            config = tuning_config(directory, workers, trials)

            def tuning(config: Path = config) -> Any:
                return tune(config, save=False)

            figures[f"tuning {workers} worker(s) s"] = median_seconds(tuning,
                                                                     max(1, repeats // 2))
        figures["tuning speed-up x"] = (figures["tuning 1 worker(s) s"]
                                        / figures["tuning 2 worker(s) s"])
    load = os.getloadavg()
    print(f"training benchmark: {stores} stores x {days} days, {trials} tuning trials; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; Python "
          f"{sys.version.split()[0]}")
    for name, value in figures.items():
        print(f"  {name:28s} {value:10.3f}")
    return figures


if __name__ == "__main__":
    main()
