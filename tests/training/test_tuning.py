"""Tuning: parallel trials on the executors, recorded, best saved, plotted; GP beats grid."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dataflow.training.tuning import tune
from tests.training.trainers import BEST_LOSS, OPTIMUM


@pytest.fixture
def bowl(tmp_path: Path) -> Path:
    """A model whose loss has a known minimum (10.0 at x=0.3137, y=0.7211)."""
    (tmp_path / "extracts.yaml").write_text("one:\n  operator: sql\n  query: select 1 as one\n")
    (tmp_path / "model.yaml").write_text(
        "model_name: bowl\nsave_to: directory\n"
        "model_trainer: tests.training.trainers.QuadraticTrainer\n"
        "constructor_args: {x: 0.0, y: 0.0}\n"
        "dependencies: [{train_param_name: data, file: extracts.yaml, file_param_name: one}]\n")
    return tmp_path


def tuning_file(directory: Path, tuning_type: str, extra: str = "", workers: int = 2,
                executor: str = "threads") -> Path:
    path = directory / f"{tuning_type}.yaml"
    path.write_text(
        f"model: model.yaml\ntuning_type: {tuning_type}\nmetric: loss\n"
        f"n_function_compute_workers: {workers}\nexecutor: {executor}\n{extra}"
        "parameters:\n"
        "  constructor_args.x: {min: 0.0, max: 1.0, step: 0.1}\n"
        "  y: {min: 0.0, max: 1.0, step: 0.1}\n")
    return path


def first_within(trials: list[dict], tolerance: float = 0.10) -> int | None:
    """The number of trials run until one's loss is within ``tolerance`` of the optimum."""
    for count, trial in enumerate(sorted(trials, key=lambda t: t["number"]), start=1):
        if trial["value"] is not None and trial["value"] <= BEST_LOSS * (1 + tolerance):
            return count
    return None


def test_gaussian_process_reaches_the_optimum_in_fewer_trials_than_grid(bowl: Path) -> None:
    grid = tune(tuning_file(bowl, "grid", workers=4), save=False)
    assert len(grid.trials) == 121  # every point of the 11 x 11 grid
    gp = tune(tuning_file(bowl, "gaussian_process", "n_trials: 20\n"), save=False)
    assert len(gp.trials) == 20
    grid_count, gp_count = first_within(grid.trials), first_within(gp.trials)
    assert grid_count is not None and gp_count is not None
    assert gp_count < grid_count, (gp_count, grid_count)
    assert gp.best_value <= BEST_LOSS * 1.1
    assert abs(gp.best_params["y"] - OPTIMUM["y"]) < 0.32


def test_trials_are_recorded_best_is_saved_and_plotted(bowl: Path) -> None:
    result = tune(tuning_file(bowl, "tpe", "n_trials: 6\n", executor="processes"))
    assert [t["number"] for t in result.trials] == list(range(6))
    for trial in result.trials:
        assert set(trial["params"]) == {"constructor_args.x", "y"}
        assert trial["metrics"]["loss"] == trial["value"]
    table = result.table()
    assert list(table.columns) == ["trial", "constructor_args.x", "y", "loss", "error"]
    best = table.loc[table["loss"].idxmin()]
    assert best["loss"] == result.best_value
    saved = json.loads((bowl / "models" / "bowl.json").read_text())
    assert saved["metrics"]["loss"] == pytest.approx(result.best_value)
    assert saved["tags"] == {"tuning": "tpe"}
    assert len(saved["trials"]) == 6
    picture = result.plot(bowl / "tuning.svg")
    assert "constructor_args.x" in picture.read_text()
    png = result.plot(bowl / "tuning.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_a_failing_trial_is_reported_and_the_others_finish(bowl: Path) -> None:
    (bowl / "model.yaml").write_text((bowl / "model.yaml").read_text().replace(
        "{x: 0.0, y: 0.0}", "{x: 0.0, y: 0.0, fail_above: 0.55}"))
    result = tune(tuning_file(bowl, "grid"), save=False)
    failed = result.failed
    assert len(failed) == 5 * 11  # x = 0.6 .. 1.0
    assert all(t["params"]["constructor_args.x"] > 0.55 for t in failed)
    assert "ValueError: x=0.6 is too large" in failed[0]["error"]
    assert len(result.trials) - len(failed) == 6 * 11
    assert result.best_value <= BEST_LOSS * 1.1


def test_a_trial_whose_metric_is_not_a_number_fails_and_is_never_the_best(bowl: Path) -> None:
    (bowl / "model.yaml").write_text((bowl / "model.yaml").read_text().replace(
        "{x: 0.0, y: 0.0}", "{x: 0.0, y: 0.0, nan_above: 0.85}"))
    for direction in ("minimize", "maximize"):
        result = tune(tuning_file(bowl, "grid", f"direction: {direction}\n"), save=False)
        failed = result.failed
        assert len(failed) == 2 * 11  # x = 0.9, 1.0
        assert "metric 'loss' is nan" in failed[0]["error"]
        assert result.best_value == result.best_value  # not NaN
        assert result.best_params["constructor_args.x"] <= 0.85


def test_cli_tune_writes_trials_and_plot(bowl: Path) -> None:
    from tests.training.test_pipeline import run_cli

    tuning_file(bowl, "gaussian_process", "n_trials: 5\n")
    done = run_cli("tune", "gaussian_process.yaml", "--plot", "t.png", "--trials", "t.csv",
                   cwd=bowl)
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) == {"best_params", "best_value", "saved"}
    assert len((bowl / "t.csv").read_text().splitlines()) == 6
    assert (bowl / "t.png").stat().st_size > 1000


def test_trials_run_at_the_same_time_on_worker_processes(tmp_path: Path) -> None:
    """Two workers: trials run in two other processes, each overlapping another in time."""
    import os

    (tmp_path / "extracts.yaml").write_text("one:\n  operator: sql\n  query: select 1 as one\n")
    (tmp_path / "model.yaml").write_text(
        "model_name: sleep\nsave_to: directory\n"
        "model_trainer: tests.training.trainers.SleepingTrainer\n"
        "dependencies: [{train_param_name: data, file: extracts.yaml, file_param_name: one}]\n")
    (tmp_path / "tuning.yaml").write_text(
        "model: model.yaml\ntuning_type: grid\nmetric: k\nn_function_compute_workers: 2\n"
        "executor: processes\nparameters:\n  k: {choices: [1, 2, 3, 4]}\n")
    result = tune(tmp_path / "tuning.yaml", save=False)
    runs = [t["metrics"] for t in result.trials]
    assert len({r["pid"] for r in runs}) == 2 and os.getpid() not in {r["pid"] for r in runs}
    overlapping = [a for a in runs for b in runs
                   if a is not b and a["start"] < b["end"] and b["start"] < a["end"]]
    assert len(overlapping) >= 2


def native_threads_tuning(directory: Path, workers: int, executor: str) -> Path:
    (directory / "extracts.yaml").write_text("one:\n  operator: sql\n  query: select 1 as one\n")
    (directory / "model.yaml").write_text(
        "model_name: threads\nsave_to: directory\n"
        "model_trainer: tests.training.trainers.NativeThreadsTrainer\n"
        "dependencies: [{train_param_name: data, file: extracts.yaml, file_param_name: one}]\n")
    path = directory / f"tuning_{workers}_{executor}.yaml"
    path.write_text(
        f"model: model.yaml\ntuning_type: grid\nmetric: k\nn_function_compute_workers: {workers}\n"
        f"executor: {executor}\nparameters:\n  k: {{choices: [1, 2, 3, 4]}}\n")
    return path


@pytest.mark.parametrize("executor", ["processes", "threads"])
def test_parallel_trials_share_the_cores_of_native_thread_pools(tmp_path: Path,
                                                                executor: str) -> None:
    """n workers: each trial may use cores // n BLAS / OpenMP threads (a 1-worker trial keeps
    what the process has), and the caller's own limits are as they were afterwards."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from dataflow.training.jobs import usable_cores

    def threads_here() -> int:
        return max(i["num_threads"] for i in threadpoolctl.threadpool_info())

    before = threads_here()
    if usable_cores() < 2 or before < 2:
        pytest.skip("needs 2 cores and a BLAS / OpenMP pool using them")
    alone = tune(native_threads_tuning(tmp_path, 1, executor), save=False)
    assert {t["metrics"]["threads"] for t in alone.trials} == {before}
    shared = tune(native_threads_tuning(tmp_path, 2, executor), save=False)
    assert {t["metrics"]["threads"] for t in shared.trials} == {usable_cores() // 2}
    assert all(t["seconds"] >= 0 for t in shared.trials)
    assert threads_here() == before


@pytest.mark.parametrize("start_method", ["spawn", "forkserver"])
def test_tuning_runs_on_worker_processes_started_by_spawn_or_forkserver(
        tmp_path: Path, start_method: str) -> None:
    """The trial functions live in dataflow.training and the trainer is imported by its dotted
    path, so workers that start afresh (the default on macOS, Windows and Python 3.14+) run
    trials too."""
    import multiprocessing
    import subprocess
    import sys

    if start_method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {start_method!r} here")
    config = native_threads_tuning(tmp_path, 2, "processes")
    script = (
        "import json, multiprocessing, os, sys\n"
        f"multiprocessing.set_start_method({start_method!r}, force=True)\n"
        "from dataflow.training.tuning import tune\n"
        "result = tune(sys.argv[1], save=False)\n"
        "print(json.dumps([t['metrics'] for t in result.trials] + [os.getpid()]))\n")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script, str(config)], capture_output=True,
                          text=True, cwd=root, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr
    *runs, parent = json.loads(done.stdout.splitlines()[-1])
    assert sorted(r["k"] for r in runs) == [1.0, 2.0, 3.0, 4.0]
    pids = {r["pid"] for r in runs}
    assert len(pids) == 2 and parent not in pids
