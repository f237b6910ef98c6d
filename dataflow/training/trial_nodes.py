"""The fan-out graph that runs tuning trials and backtest windows in parallel.

``job`` expands the list of jobs; ``job_outcome`` runs each one (on the remote executor: threads
or processes) — train on its datasets, evaluate on its held-out datasets — and ``job_outcomes``
collects them in order. A failing job gives an outcome with its ``error`` instead of stopping
the others. The functions are module-level so that they pickle to worker processes (by
reference: a worker started by ``spawn`` or ``forkserver`` imports this module).
"""

from __future__ import annotations

import time
import traceback

from dataflow.htypes import Collect, Parallelizable
from dataflow.training import steps
from dataflow.training.jobs import limited_native_threads


def job(jobs: list) -> Parallelizable[dict]:
    """One item per job: ``{"key": ..., "constructor_args": {...}, "train": {...},
    "test": {...}}`` (``train``/``test`` default to the shared datasets)."""
    yield from jobs


def job_outcome(job: dict, trainer_path: str, train_data: dict, test_data: dict,
                native_threads: int | None, in_worker_process: bool) -> dict:
    """``{"key", "metrics", "seconds"}``, or ``{"key", "error", "traceback", "seconds"}`` when
    the job failed; ``seconds`` is its wall time in the worker. ``native_threads``: the most
    BLAS / OpenMP threads it may use (``None``: as the process has them); in a worker thread
    only OpenMP's limit is set here (BLAS's is the process's: set around the whole run)."""
    start = time.perf_counter()
    try:
        with limited_native_threads(native_threads,
                                    user_api=None if in_worker_process else "openmp",
                                    environment=in_worker_process):
            trainer = steps.build_trainer(trainer_path, job["constructor_args"])
            trained = steps.train(trainer, job.get("train") or train_data)
            metrics = steps.evaluate(trainer, trained, job.get("test") or test_data)
        return {"key": job["key"], "metrics": metrics, "error": None,
                "seconds": time.perf_counter() - start}
    except Exception as error:
        return {"key": job["key"], "metrics": None, "error": f"{type(error).__name__}: {error}",
                "traceback": traceback.format_exc(), "seconds": time.perf_counter() - start}


def job_outcomes(job_outcome: Collect[dict]) -> list:
    return list(job_outcome)
