"""The save step puts the trained model in the model envelope with the config's tags, and logs
its metrics (and a tuning run's trials)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("cloudpickle")

from dataflow import envelope  # noqa: E402
from dataflow.training.pipeline import compile_pipeline  # noqa: E402
from dataflow.training.tuning import tune  # noqa: E402


def to_envelope(directory: Path) -> Path:
    model = directory / "model.yaml"
    model.write_text(model.read_text().replace(
        "save_to: directory\n",
        "model_description: y from x\nregistry: registry\n"))
    return model


def test_pipeline_saves_to_the_envelope_with_tags_and_metrics(line_configs: Path) -> None:
    result = compile_pipeline(to_envelope(line_configs)).run()
    saved = result["saved_model"]
    assert isinstance(saved, envelope.Envelope)
    registry = envelope.Registry(line_configs / "registry")  # relative to model.yaml
    record = registry.get(saved.id)
    assert record.tags == {"model_name": "line", "team": "tests"}
    assert record.description == "y from x"
    assert record.input_schema == {"x": "int64"}
    loaded = registry.load(saved.id)
    assert loaded.predict(pd.DataFrame({"x": [10]}))[0] == pytest.approx(22, abs=1.5)
    metrics = registry.metrics(model_name="line")
    logged = dict(zip(metrics["name"], metrics["value"]))
    assert logged["rmse"] == pytest.approx(result["metrics"]["rmse"])
    assert set(logged) == {"rmse", "mae", "r2", "rows"}
    assert [r.id for r in registry.find(team="tests")] == [saved.id]


def test_tuning_saves_the_best_model_and_logs_every_trial(line_configs: Path) -> None:
    to_envelope(line_configs)
    (line_configs / "tuning.yaml").write_text(
        "model: model.yaml\ntuning_type: grid\nmetric: rmse\nexecutor: threads\n"
        "n_function_compute_workers: 2\n"
        "parameters:\n  constructor_args.alpha: {choices: [0.01, 10.0, 1000.0]}\n")
    result = tune(line_configs / "tuning.yaml")
    assert result.best_params == {"constructor_args.alpha": 0.01}
    registry = envelope.Registry(line_configs / "registry")
    record = registry.get(result.saved.id)
    assert record.tags == {"model_name": "line", "team": "tests", "tuning": "grid"}
    metrics = registry.metrics(model_name="line", names=["tuning_trials", "rmse"])
    [trials] = metrics.loc[metrics["name"] == "tuning_trials", "structured"]
    assert [t["params"]["constructor_args.alpha"] for t in trials] == [0.01, 10.0, 1000.0]
    assert all(t["metrics"]["rmse"] > 0 for t in trials)
    assert registry.load(result.saved.id).model.alpha == 0.01
