"""Hyperparameter tuning: a search strategy proposes parameter sets, batches of
``n_function_compute_workers`` trials run in parallel on the execution stage's executors, each
trial's params and metrics are recorded, the best model is trained again and saved.

The datasets come from the model's compiled pipeline (``train_data`` / ``test_data``, extracts
cached), so the trials train on what ``dataflow train`` trains on.
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataflow.training.config import TuningConfig, load_tuning_config, set_dotted
from dataflow.training.jobs import jobs_driver, run_jobs
from dataflow.training.pipeline import Pipeline, compile_pipeline, save_settings
from dataflow.training.search import search_for

__all__ = ["TuningResult", "constructor_args_with", "plot_metric_against", "tune"]


def constructor_args_with(base: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` constructor arguments with ``params`` (dotted keys, with or without the
    ``constructor_args.`` prefix) set.

    >>> constructor_args_with({"a": 1, "m": {"b": 2}}, {"constructor_args.m.b": 3, "c": 4})
    {'a': 1, 'm': {'b': 3}, 'c': 4}
    """
    args = copy.deepcopy(dict(base))
    for key, value in params.items():
        set_dotted(args, key.removeprefix("constructor_args."), value)
    return args


@dataclass
class TuningResult:
    """Every trial (``number``, ``params``, ``metrics``, ``value``, ``error``, ``seconds``: its
    wall time in the worker), the best one, and where the best model was saved."""

    metric: str
    direction: str
    trials: list[dict[str, Any]]
    best_params: dict[str, Any]
    best_value: float
    best_metrics: dict[str, Any]
    saved: Any = None
    spaces: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [t for t in self.trials if t["error"] is not None]

    def table(self) -> Any:
        """One row per trial: number, each parameter, the metric, error."""
        import pandas as pd

        return pd.DataFrame([{"trial": t["number"], **t["params"], self.metric: t["value"],
                              "error": t["error"]} for t in self.trials])

    def plot(self, path: str | os.PathLike[str]) -> Path:
        """Each hyperparameter against the metric, one panel each (.png, .svg, .pdf)."""
        logs = {name: bool(getattr(spec, "log", False)) for name, spec in self.spaces.items()}
        return plot_metric_against(self.table(), list(self.best_params), self.metric, path,
                                   best=self.best_params, log_x=logs,
                                   title=f"tuning: {self.metric} ({self.direction})")


def plot_metric_against(table: Any, columns: list[str], metric: str,
                        path: str | os.PathLike[str], best: Mapping[str, Any] | None = None,
                        log_x: Mapping[str, bool] | None = None, title: str = "") -> Path:
    """Scatter ``metric`` against each of ``columns`` of ``table``; written atomically."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from dataflow.io.utils import atomic_path

    path = Path(path)
    figure, axes = plt.subplots(1, max(len(columns), 1), figsize=(4 * max(len(columns), 1), 3.2),
                                squeeze=False)
    for ax, column in zip(axes[0], columns):
        ok = table[table[metric].notna()]
        ax.scatter(ok[column], ok[metric], s=18, alpha=0.8)
        if best is not None and column in best:
            ax.axvline(best[column], color="tab:red", linewidth=1, label="best")
            ax.legend(loc="best", fontsize=8)
        if (log_x or {}).get(column):
            ax.set_xscale("log")
        ax.set_xlabel(column)
        ax.set_ylabel(metric)
    figure.suptitle(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format=path.suffix.lstrip(".") or "png")
    plt.close(figure)
    return path


def tune(config: str | os.PathLike[str] | TuningConfig, save: bool = True,
         pipeline: Pipeline | None = None, cache: bool = True) -> TuningResult:
    """Run the tuning config at ``config``; the best model is saved as the model config says
    (``save=False``: not saved)."""
    if not isinstance(config, TuningConfig):
        config = load_tuning_config(config)
    if pipeline is None:
        pipeline = compile_pipeline(config.model)
    model = pipeline.config
    data = pipeline.driver(cache=cache).execute(["train_data", "test_data"])
    search = search_for(config.tuning_type, config.parameters, config.direction, config.seed,
                        config.n_initial_trials)
    dr = jobs_driver(config.executor, config.n_function_compute_workers)
    limit = config.n_trials if config.n_trials is not None else float("inf")
    trials: list[dict[str, Any]] = []
    # a grid needs no feedback: all its points go to the pool at once (one pool, no idle worker
    # at the end of each batch); the other searches ask for one batch per round of workers
    per_round = 10**9 if config.tuning_type == "grid" else config.n_function_compute_workers
    while len(trials) < limit:
        batch = search.ask(int(min(per_round, limit - len(trials))))
        if not batch:
            break
        jobs = [{"key": len(trials) + i,
                 "constructor_args": constructor_args_with(model.constructor_args, params)}
                for i, params in enumerate(batch)]
        outcomes = run_jobs(dr, jobs, model.model_trainer, data["train_data"], data["test_data"])
        for params, outcome in zip(batch, outcomes):
            value, error = None, outcome["error"]
            if error is None:
                if config.metric not in outcome["metrics"]:
                    error = (f"KeyError: evaluate returned no metric {config.metric!r} "
                             f"(it returned {sorted(outcome['metrics'])})")
                elif math.isfinite(metric := float(outcome["metrics"][config.metric])):
                    value = metric
                else:  # NaN would win any comparison it is first in; infinity is no score
                    error = f"ValueError: the metric {config.metric!r} is {metric}"
            search.tell(params, value)
            trials.append({"number": outcome["key"], "params": params,
                           "metrics": outcome["metrics"], "value": value, "error": error,
                           "seconds": outcome["seconds"]})
    done = [t for t in trials if t["value"] is not None]
    if not done:
        errors = "; ".join(f"trial {t['number']} {t['params']}: {t['error']}" for t in trials)
        raise RuntimeError(f"every trial failed: {errors}")
    pick = min if config.direction == "minimize" else max
    best = pick(done, key=lambda t: t["value"])
    result = TuningResult(config.metric, config.direction, trials, best["params"],
                          best["value"], best["metrics"], spaces=dict(config.parameters))
    if save:
        from dataflow.training import steps

        args = constructor_args_with(model.constructor_args, best["params"])
        trainer = steps.build_trainer(model.model_trainer, args)
        trained = steps.train(trainer, data["train_data"])
        metrics = steps.evaluate(trainer, trained, data["test_data"])
        result.saved = steps.save_model(save_settings(model), trained, metrics, trials,
                                        extra_tags={"tuning": config.tuning_type})
    return result
