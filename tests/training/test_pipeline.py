"""A model config compiles to a dataflow graph the normal driver runs, caches and draws."""

from __future__ import annotations

import json
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dataflow.execution.executors import MultiThreadingExecutor
from dataflow.training.extracts import EXECUTIONS
from dataflow.training.pipeline import STEP_NODES, compile_pipeline


def test_pipeline_is_a_graph_of_extract_train_evaluate_save(line_configs: Path) -> None:
    pipeline = compile_pipeline(line_configs / "model.yaml")
    dr = pipeline.driver()
    names = {v.name for v in dr.list_available_variables()}
    assert {"points", *STEP_NODES} <= names
    assert [v.name for v in dr.what_is_upstream_of("trained_model")] != []
    upstream = {v.name for v in dr.what_is_upstream_of("saved_model")}
    assert {"points", "trained_model", "metrics"} <= upstream
    result = pipeline.run()
    assert result["metrics"]["r2"] > 0.99
    saved = Path(result["saved_model"])
    assert saved == line_configs / "models" / "line.pkl"
    model = pickle.loads(saved.read_bytes())
    assert model.alpha == 1.0
    assert json.loads(saved.with_suffix(".json").read_text())["tags"] == {"team": "tests"}


def test_rerun_after_a_trainer_change_does_not_query_again(line_configs: Path) -> None:
    EXECUTIONS.clear()
    first = compile_pipeline(line_configs / "model.yaml").run(cache=line_configs / "cache")
    assert EXECUTIONS["sql"] == 1
    changed = compile_pipeline(line_configs / "model.yaml",
                               overrides={"constructor_args.alpha": 50.0,
                                          "constructor_args.fit_intercept": False})
    second = changed.run(cache=line_configs / "cache", executor=MultiThreadingExecutor(2))
    assert EXECUTIONS["sql"] == 1  # the extract came from the cache
    assert second["metrics"]["rmse"] != first["metrics"]["rmse"]  # but the model was retrained
    # a changed query is changed code: the extract runs again
    (line_configs / "extracts.yaml").write_text(
        (line_configs / "extracts.yaml").read_text().replace("n: 40", "n: 30"))
    third = compile_pipeline(line_configs / "model.yaml").run(cache=line_configs / "cache")
    assert EXECUTIONS["sql"] == 2
    assert third["metrics"]["rows"] == 30


def test_without_cache_every_run_queries(line_configs: Path) -> None:
    EXECUTIONS.clear()
    pipeline = compile_pipeline(line_configs / "model.yaml")
    pipeline.run()
    pipeline.run()
    assert EXECUTIONS["sql"] == 2


def test_sqlalchemy_file_and_dataflow_extracts(tmp_path: Path) -> None:
    database = tmp_path / "points.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute("create table points (x real, y real, day text)")
        connection.executemany("insert into points values (?, ?, ?)",
                               [(i, 3 * i - 2, f"2024-01-{i + 1:02d}") for i in range(20)])
    pd.DataFrame({"x": range(10), "y": [3 * i - 2 for i in range(10)]}).to_csv(
        tmp_path / "more.csv", index=False)
    (tmp_path / "features.py").write_text(
        "import pandas as pd\n"
        "def x2(base: pd.DataFrame) -> pd.Series:\n    return base['x'] * 2\n"
        "def y(base: pd.DataFrame) -> pd.Series:\n    return base['y']\n")
    sys.path.insert(0, str(tmp_path))
    try:
        (tmp_path / "extracts.yaml").write_text(
            "base:\n  operator: sql\n  url: sqlite:///{{ here }}/points.sqlite\n"
            "  query: select x, y from points where x < :limit\n  params: {limit: 15}\n"
            "more:\n  operator: file\n  path: more.csv\n"
            "derived:\n  operator: dataflow\n  modules: [features]\n"
            "  final_vars: [x2, y]\n  dataset_inputs: {base: base}\n")
        (tmp_path / "model.yaml").write_text(
            "model_name: sq\nsave_to: directory\nmodel_trainer: dataflow.training.SKLearnTrainer\n"
            "constructor_args: {estimator: sklearn.linear_model.LinearRegression, target: y,"
            " data: derived}\n"
            "dependencies:\n"
            "  - {train_param_name: derived, file: extracts.yaml, file_param_name: derived}\n"
            "  - {train_param_name: more, file: extracts.yaml, file_param_name: more}\n")
        pipeline = compile_pipeline(tmp_path / "model.yaml", variables={"here": tmp_path})
        assert pipeline.extract_nodes == ["base", "derived", "more"]
        data = pipeline.driver().execute(["training_data", "metrics"])
        assert list(data["training_data"]["derived"].columns) == ["x2", "y"]
        assert len(data["training_data"]["derived"]) == 15  # the bound parameter applied
        assert len(data["training_data"]["more"]) == 10
        assert data["metrics"]["rmse"] < 1e-9
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("features", None)


def test_holdout_split_evaluates_on_the_last_days(tmp_path: Path) -> None:
    (tmp_path / "extracts.yaml").write_text(
        "days:\n  operator: sql\n  query: >-\n"
        "    select d::timestamp as date, extract(day from d)::double as x,"
        " 2 * extract(day from d)::double as y\n"
        "    from range(date '2024-01-01', date '2024-01-31', interval 1 day) t(d)\n")
    (tmp_path / "model.yaml").write_text(
        "model_name: days\nmodel_trainer: dataflow.training.SKLearnTrainer\n"
        "constructor_args: {estimator: sklearn.linear_model.LinearRegression, target: y,"
        " features: [x]}\n"
        "dependencies: [{train_param_name: data, file: extracts.yaml, file_param_name: days}]\n"
        "split: {time_column: date, test_days: 7}\n")
    values = compile_pipeline(tmp_path / "model.yaml").driver().execute(
        ["train_data", "test_data", "metrics"])
    train, test = values["train_data"]["data"], values["test_data"]["data"]
    assert len(test) == 7 and len(train) == 23
    assert train["date"].max() < test["date"].min()
    assert values["metrics"]["rows"] == 7


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-m", "dataflow.cli", *args], cwd=cwd, text=True,
                          capture_output=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                          timeout=300, check=False)


def test_cli_train_dry_run_view_and_set(line_configs: Path) -> None:
    from dataflow.lineage.output import dot_available

    done = run_cli("train", "model.yaml", "--dry-run", "--view", "pipeline.svg",
                   "--set", "constructor_args.fit_intercept=false", cwd=line_configs)
    assert done.returncode == 0, done.stderr
    assert "points -> training_data -> split_data" in done.stdout
    assert not (line_configs / "models").exists()  # nothing ran
    if dot_available():
        assert "trained_model" in (line_configs / "pipeline.svg").read_text()
    done = run_cli("train", "model.yaml", "--set", "constructor_args.fit_intercept=false",
                   cwd=line_configs)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["saved"].endswith("line.pkl")
    assert pickle.loads((line_configs / "models" / "line.pkl").read_bytes()).fit_intercept is False


def test_cli_reports_a_config_error_without_traceback(line_configs: Path) -> None:
    done = run_cli("train", "model.yaml", "--set", "constructor_args.alpah=2", cwd=line_configs)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "alpah" in done.stderr
    done = run_cli("train", "model.yaml", "--set", "model_trainr=x", cwd=line_configs)
    assert done.returncode == 1
    assert "model.yaml, key model_trainr: unknown key. Did you mean 'model_trainer'?" in done.stderr


def test_pipeline_runs_on_worker_processes(line_configs: Path) -> None:
    from dataflow.execution.executors import MultiProcessingExecutor

    pipeline = compile_pipeline(line_configs / "model.yaml")
    on_processes = pipeline.run(executor=MultiProcessingExecutor(2, start_method="fork"))
    assert on_processes["metrics"] == pipeline.run()["metrics"]


@pytest.mark.parametrize("start_method", ["spawn", "forkserver"])
def test_pipeline_refuses_worker_processes_that_cannot_import_its_module(
        line_configs: Path, start_method: str) -> None:
    """Its module is generated in this process: a spawned worker could not unpickle a step
    (the pool broke: BrokenProcessPool); the error says so before anything runs."""
    import multiprocessing

    from dataflow.errors import DataflowError
    from dataflow.execution.executors import MultiProcessingExecutor

    if start_method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {start_method!r} here")
    pipeline = compile_pipeline(line_configs / "model.yaml")
    with pytest.raises(DataflowError, match=rf"training pipeline 'line': .*starts its workers by "
                                            rf"'{start_method}'.*MultiThreadingExecutor"):
        pipeline.run(executor=MultiProcessingExecutor(2, start_method=start_method))
    assert not (line_configs / "models").exists()  # nothing ran, nothing saved
