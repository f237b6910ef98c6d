"""The fan-out graph that runs tuning trials and backtest windows in parallel.

``job`` expands the list of jobs; ``job_outcome`` runs each one (on the remote executor: threads
or processes) — train on its datasets, evaluate on its held-out datasets — and ``job_outcomes``
collects them in order. A failing job gives an outcome with its ``error`` instead of stopping
the others. The functions are module-level so that they pickle to worker processes.
"""

from __future__ import annotations

import traceback

from dataflow.htypes import Collect, Parallelizable
from dataflow.training import steps


def job(jobs: list) -> Parallelizable[dict]:
    """One item per job: ``{"key": ..., "constructor_args": {...}, "train": {...},
    "test": {...}}`` (``train``/``test`` default to the shared datasets)."""
    yield from jobs


def job_outcome(job: dict, trainer_path: str, train_data: dict, test_data: dict) -> dict:
    """``{"key", "metrics"}``, or ``{"key", "error", "traceback"}`` when the job failed."""
    try:
        trainer = steps.build_trainer(trainer_path, job["constructor_args"])
        trained = steps.train(trainer, job.get("train") or train_data)
        metrics = steps.evaluate(trainer, trained, job.get("test") or test_data)
        return {"key": job["key"], "metrics": metrics, "error": None}
    except Exception as error:
        return {"key": job["key"], "metrics": None, "error": f"{type(error).__name__}: {error}",
                "traceback": traceback.format_exc()}


def job_outcomes(job_outcome: Collect[dict]) -> list:
    return list(job_outcome)
