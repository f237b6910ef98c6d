"""The demand-forecasting example runs end to end on a small dataset and its model is useful."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dataflow.data_quality import DataValidationError
from examples.demand_forecasting import synthetic, train

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"n_stores": 6, "n_days": 240, "seed": 3}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return train.feature_frame(train.build_driver(SMALL))


def test_feature_frame_has_every_requested_column_and_row(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == train.KEYS + train.FEATURES
    assert len(frame) == SMALL["n_stores"] * SMALL["n_days"]
    assert frame["store_id"].nunique() == SMALL["n_stores"]


def test_history_features_are_complete_after_the_warm_up(frame: pd.DataFrame) -> None:
    complete = frame[frame["history_complete"]]
    assert not complete[train.FEATURES].isna().any().any()
    # warm-up: 28 days of lag, or 7 days of horizon + 28 of window, per store
    assert len(frame) - len(complete) == SMALL["n_stores"] * 34
    # calendar and price features never have gaps
    assert not frame[["is_sat", "year_sin", "log_price_ratio", "promo_depth"]].isna().any().any()


def test_lags_look_back_within_the_same_store(frame: pd.DataFrame) -> None:
    store = frame[frame["store_id"] == 2].reset_index(drop=True)
    assert store["log_units_lag_7"].iloc[:7].isna().all()
    np.testing.assert_allclose(store["log_units_lag_7"].iloc[7:].to_numpy(),
                               store["log_units"].iloc[:-7].to_numpy())
    one_hot = frame[["is_tue", "is_wed", "is_thu", "is_fri", "is_sat", "is_sun"]].sum(axis=1)
    assert set(one_hot.unique()) <= {0.0, 1.0}


def test_model_beats_the_naive_forecast(frame: pd.DataFrame) -> None:
    result = train.fit_and_evaluate(frame, test_days=28)
    assert result.rows_test == SMALL["n_stores"] * 28
    assert result.model_rmse < 0.8 * result.naive_rmse
    assert result.model_mae < result.naive_mae
    assert result.coefficients["log_price_ratio"] < 0  # demand falls when prices rise
    assert result.coefficients["is_holiday"] > 0.2


def test_synthetic_data_is_deterministic_and_validates_its_size() -> None:
    a = synthetic.sales_frame(2, 90, seed=1)
    pd.testing.assert_frame_equal(a, synthetic.sales_frame(2, 90, seed=1))
    assert not a.equals(synthetic.sales_frame(2, 90, seed=2))
    with pytest.raises(ValueError, match="at least 1 store and 60 days"):
        synthetic.sales_frame(0, 90, seed=1)


def test_subset_request_runs_only_what_it_needs() -> None:
    dr = train.build_driver(SMALL)
    plan = dr.execution_plan(["is_sat"])
    assert plan.node_names == ["sales", "date", "day_of_week", "is_sat"]
    values = dr.execute(["is_sat"])
    assert values["is_sat"].sum() == SMALL["n_stores"] * (SMALL["n_days"] // 7)


def test_overrides_replace_the_raw_data() -> None:
    dr = train.build_driver(SMALL)
    raw = synthetic.sales_frame(1, 70, seed=9)
    out = dr.execute(["price_ratio", "log_units_lag_7"], overrides={
        "price": raw["price"], "base_price": raw["base_price"], "units": raw["units"],
        "store_id": raw["store_id"]})
    assert len(out) == 70
    np.testing.assert_allclose(out["price_ratio"], raw["price"] / raw["base_price"])


def test_bad_price_data_fails_the_check_and_names_the_node() -> None:
    dr = train.build_driver(SMALL)
    price = pd.Series([1.0, 50.0])
    with pytest.raises(DataValidationError, match="price_ratio"):
        dr.execute(["price_ratio"], overrides={"price": price, "base_price": pd.Series([2., 2.])})


def test_driver_pickles_and_runs_in_the_copy() -> None:
    copy = pickle.loads(pickle.dumps(train.build_driver(SMALL)))
    assert copy.execute(["is_holiday"])["is_holiday"].sum() > 0


def test_training_job_runs_as_a_script(tmp_path: Path) -> None:
    picture = tmp_path / "lineage.svg"
    completed = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demand_forecasting" / "train.py"),
         "--stores", "4", "--days", "200", "--lineage", str(picture)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "feature frame: 800 rows x 24 columns" in completed.stdout
    assert "model  RMSE" in completed.stdout and "naive  RMSE" in completed.stdout
    if shutil.which("dot"):
        assert picture.read_text().lstrip().startswith(("<?xml", "<svg"))
        assert "log_units_lag_7" in picture.read_text()
    else:
        assert "lineage picture skipped" in completed.stdout


def test_training_job_main_returns_its_evaluation(capsys: pytest.CaptureFixture[str]) -> None:
    result = train.main(["--stores", "3", "--days", "150", "--lineage", ""])
    assert result.model_rmse < result.naive_rmse
    assert "held-out rows: 168" in capsys.readouterr().out


def training_example(tmp_path: Path) -> Path:
    """examples/training's configs copied to ``tmp_path`` beside a generated DuckDB file."""
    pytest.importorskip("sklearn")
    from examples.training.generate import write_sales_database

    source = ROOT / "examples" / "training"
    for name in ("extracts.yaml", "model.yaml", "tuning.yaml", "backtest.yaml", "sales.sql"):
        shutil.copy(source / name, tmp_path / name)
    write_sales_database(tmp_path / "data" / "sales.duckdb", n_stores=4, n_days=200, seed=3)
    return tmp_path


@pytest.mark.slow  # a training run, as tests/training (its GP search needs bayes_opt, which
# the 3.10 leg cannot install beside numpy 1.24: the main leg runs it)
def test_training_example_trains_tunes_and_backtests(tmp_path: Path) -> None:
    from dataflow.training.backtest import backtest
    from dataflow.training.extracts import EXECUTIONS
    from dataflow.training.pipeline import compile_pipeline
    from dataflow.training.tuning import tune

    directory = training_example(tmp_path)
    EXECUTIONS.clear()
    pipeline = compile_pipeline(directory / "model.yaml")
    assert pipeline.extract_nodes == ["sales", "features"]
    result = pipeline.run(cache=True)
    assert result["metrics"]["rows"] == 4 * 28  # the held-out days of every store
    assert result["metrics"]["r2"] > 0.5
    from dataflow import envelope

    registry = envelope.Registry(directory / "out" / "registry")
    saved = registry.get(result["saved_model"].id)
    assert saved.tags == {"model_name": "demand_ridge", "team": "forecasting",
                          "target": "log_units"}
    rmse = registry.metrics(model_name="demand_ridge", names=["rmse"])["value"]
    assert rmse.tolist() == [result["metrics"]["rmse"]]
    tuned = tune(directory / "tuning.yaml")  # the extracts come from the cache
    assert EXECUTIONS == {"sql": 1, "dataflow": 1}
    assert len(tuned.trials) == 8 and not tuned.failed
    assert tuned.best_value <= result["metrics"]["rmse"] + 1e-9
    assert [r.id for r in registry.find(tuning="gaussian_process")] == [tuned.saved.id]
    windows = backtest(directory / "backtest.yaml")
    assert EXECUTIONS == {"sql": 1, "dataflow": 1}
    table = windows.table()
    assert len(table) == 4 and not windows.failed
    assert (table["rmse"] < 0.6).all()


def test_training_example_runs_from_the_command_line(tmp_path: Path) -> None:
    directory = training_example(tmp_path)
    completed = subprocess.run(
        [sys.executable, "-m", "dataflow.cli", "train", "model.yaml", "--no-cache",
         "--set", "constructor_args.alpha=10"],
        capture_output=True, text=True, cwd=directory, timeout=300, check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 0, completed.stderr
    assert '"rmse"' in completed.stdout
    assert '"saved": "model 1 in Registry(' in completed.stdout


def test_model_envelope_example_trains_saves_serves_and_scores(tmp_path: Path) -> None:
    """examples/model_envelope: the script, then the commands a user types after it."""
    import json

    from dataflow import envelope

    registry_dir = tmp_path / "registry"
    done = subprocess.run(
        [sys.executable, "-m", "examples.model_envelope.run", "--registry", str(registry_dir),
         "--stores", "4", "--days", "160", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["tags"]["passes_tests"] == "true"
    assert summary["served"]["model_id"] == summary["batch"]["model_id"] == summary["model_id"]
    assert summary["dashboard_points"] == 1

    registry = envelope.Registry(registry_dir)
    model = registry.load(summary["model_id"])
    held_out = pd.read_parquet(tmp_path / "held_out_features.parquet")
    expected = model(held_out)
    np.testing.assert_allclose(summary["served"]["predictions"], expected.head(3), atol=1e-3)
    scored = pd.read_parquet(tmp_path / "held_out_predictions.parquet")
    assert len(scored) == len(held_out) == summary["batch"]["rows"]
    np.testing.assert_allclose(scored["predicted_units"], expected)
    assert (scored["store_id"].to_numpy() == held_out["store_id"].to_numpy()).all()
    registry.close()

    def cli(*words: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "dataflow.cli", "models", *words,
                               "--registry", str(registry_dir)], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300, check=False)

    found = cli("find", "canonical_name=demand_forecast passes_tests=true")
    assert found.returncode == 0, found.stderr
    listed = [json.loads(line) for line in found.stdout.splitlines()]
    assert [(m["id"], m["tags"]["canonical_name"]) for m in listed] == [
        (summary["model_id"], "demand_forecast")]
    batch = cli("batch", "canonical_name=demand_forecast", "--input",
                "held_out_features.parquet", "--output", "again.csv", "--keep", "store_id",
                "--no-progress")
    assert batch.returncode == 0, batch.stderr
    np.testing.assert_allclose(pd.read_csv(tmp_path / "again.csv")["predicted_units"], expected)
    exported = cli("export", "demand", str(tmp_path / "service"))
    assert exported.returncode == 0, exported.stderr
    assert {"model.pkl", "service.py", "requirements.txt", "Dockerfile"} <= {
        p.name for p in (tmp_path / "service").iterdir()}
    assert "numpy==" in (tmp_path / "service" / "requirements.txt").read_text()
