"""What the nodes of a compiled training pipeline call: build the trainer, split the datasets,
train, evaluate, save. Plain functions of plain values, so that tuning trials and backtest
windows (run on other processes) call exactly what the pipeline calls.

>>> import pandas as pd
>>> frame = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=10), "v": range(10)})
>>> train, test = split_by_time({"data": frame, "k": 3}, "date",
...                             pd.Timestamp("2024-01-08"), pd.Timestamp("2024-01-11"))
>>> train["data"]["v"].tolist(), test["data"]["v"].tolist(), test["k"]
([0, 1, 2, 3, 4, 5, 6], [7, 8, 9], 3)
"""

from __future__ import annotations

import datetime
import json
import os
import pickle
from pathlib import Path
from typing import Any

from dataflow.training.config import import_dotted
from dataflow.training.trainer import AbstractTrainer, TrainedObject

__all__ = ["build_trainer", "evaluate", "holdout", "save_model", "save_to_directory",
           "save_to_envelope",
           "split_by_time", "train"]


def build_trainer(path: str, constructor_args: dict[str, Any]) -> AbstractTrainer:
    """The trainer at dotted ``path`` built with ``constructor_args``."""
    cls = import_dotted(path)
    if not (isinstance(cls, type) and issubclass(cls, AbstractTrainer)):
        raise TypeError(f"model_trainer {path!r} is not a subclass of "
                        "dataflow.training.AbstractTrainer")
    try:
        return cls(**constructor_args)
    except TypeError as error:
        raise TypeError(f"{path}(**constructor_args): {error}") from None


def train(trainer: AbstractTrainer, datasets: dict[str, Any]) -> TrainedObject:
    trained = trainer.train(**datasets)
    if not isinstance(trained, TrainedObject):
        raise TypeError(f"{type(trainer).__name__}.train returned {type(trained).__name__}, "
                        "not a dataflow.training.TrainedObject")
    return trained


def evaluate(trainer: AbstractTrainer, trained: TrainedObject,
             datasets: dict[str, Any]) -> dict[str, Any]:
    metrics = trainer.evaluate(trained.model, **datasets)
    if not isinstance(metrics, dict):
        raise TypeError(f"{type(trainer).__name__}.evaluate returned "
                        f"{type(metrics).__name__}, not a dict of metrics")
    return metrics


def split_by_time(datasets: dict[str, Any], time_column: str, train_end: Any, test_end: Any,
                  train_start: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(train, test) datasets: rows of each frame with ``time_column`` in
    [``train_start``, ``train_end``) and [``train_end``, ``test_end``); other values as they are."""
    import pandas as pd

    train_part: dict[str, Any] = {}
    test_part: dict[str, Any] = {}
    for name, value in datasets.items():
        if isinstance(value, pd.DataFrame) and time_column in value.columns:
            times = value[time_column]
            lower = times >= train_start if train_start is not None else True
            train_part[name] = value[lower & (times < train_end)]
            test_part[name] = value[(times >= train_end) & (times < test_end)]
        else:
            train_part[name] = test_part[name] = value
    return train_part, test_part


def holdout(datasets: dict[str, Any], time_column: str,
            test_days: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The last ``test_days`` days (of the latest frame with ``time_column``) held out."""
    import pandas as pd

    ends = [v[time_column].max() for v in datasets.values()
            if isinstance(v, pd.DataFrame) and time_column in v.columns]
    if not ends:
        raise ValueError(f"split: no dataset has the time column {time_column!r}")
    last = max(ends)
    cut = pd.Timestamp(last).normalize() - pd.Timedelta(days=test_days - 1)
    return split_by_time(datasets, time_column, cut, pd.Timestamp(last) + pd.Timedelta(days=1))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    try:
        return float(value)
    except (TypeError, ValueError):
        return repr(value)


def save_model(config: dict[str, Any], trained: TrainedObject, metrics: dict[str, Any],
               trials: list[dict[str, Any]] | None = None,
               extra_tags: dict[str, str] | None = None) -> Any:
    """Save a trained model as the model config (``config``: its ``model_dump``) says, with its
    tags and metrics (and tuning ``trials``): the envelope, or the file's path."""
    tags = {**config["tags"], **(extra_tags or {})}
    if config["save_to"] == "directory":
        return save_to_directory(config["output_dir"], config["model_name"], trained, metrics,
                                 tags, config["model_description"], trials)
    return save_to_envelope(config, trained, metrics, tags, trials)


def save_to_envelope(config: dict[str, Any], trained: TrainedObject, metrics: dict[str, Any],
                     tags: dict[str, str], trials: list[dict[str, Any]] | None = None) -> Any:
    """``dataflow.envelope.save_model`` with the config's description, tags (plus
    ``model_name``), the trainer's ``sample_input_data`` as ``api_input`` and the config's
    ``code`` modules; then every metric (and the tuning trials) logged."""
    import dataflow.envelope as envelope

    registry = envelope.Registry(config["registry"]) if config.get("registry") else None
    saved = envelope.save_model(
        trained.model, description=config["model_description"] or config["model_name"],
        tags={"model_name": config["model_name"], **tags},
        api_input=trained.sample_input_data,
        code=[import_dotted(m) for m in config.get("code") or []], registry=registry)
    logged = {k: v for k, v in metrics.items() if v is not None}
    if trials:
        logged["tuning_trials"] = _plain(trials)
    if logged:
        envelope.log_metrics(saved, registry=registry, **logged)
    return saved


def save_to_directory(directory: str | os.PathLike[str], name: str, trained: TrainedObject,
                      metrics: dict[str, Any], tags: dict[str, str], description: str = "",
                      trials: list[dict[str, Any]] | None = None) -> str:
    """Pickle the model to ``directory/name.pkl`` and write ``name.json`` (metrics, tags) beside
    it, each atomically; the model's path."""
    from dataflow.io.utils import atomic_path

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{name}.pkl"
    with atomic_path(target) as tmp, open(tmp, "wb") as out:
        pickle.dump(trained.model, out)
    with atomic_path(directory / f"{name}.json") as tmp, open(tmp, "w") as out:
        json.dump({"description": description, "metrics": _plain(metrics), "tags": tags,
                   "trials": _plain(trials or [])}, out, indent=2)
    return str(target)
