"""Run train + evaluate jobs (tuning trials, backtest windows) in parallel through the fan-out
graph of :mod:`dataflow.training.trial_nodes` on the execution stage's executors.

>>> executor_for("threads", 2)
MultiThreadingExecutor(max_tasks=2)
"""

from __future__ import annotations

from typing import Any

__all__ = ["executor_for", "jobs_driver", "run_jobs"]


def executor_for(kind: str, workers: int) -> Any:
    """``MultiProcessingExecutor(workers)`` or ``MultiThreadingExecutor(workers)``; the
    in-process executor for one worker."""
    from dataflow.execution import executors

    if workers == 1:
        return executors.SynchronousLocalTaskExecutor()
    if kind == "processes":
        return executors.MultiProcessingExecutor(workers)
    return executors.MultiThreadingExecutor(workers)


def jobs_driver(kind: str, workers: int) -> Any:
    from dataflow import driver
    from dataflow.training import trial_nodes

    return (driver.Builder().with_modules(trial_nodes)
            .enable_dynamic_execution(allow_experimental_mode=True)
            .with_remote_executor(executor_for(kind, workers)).build())


def run_jobs(dr: Any, jobs: list[dict[str, Any]], trainer_path: str, train_data: dict,
             test_data: dict) -> list[dict[str, Any]]:
    """The outcome of each job, in order (see :func:`trial_nodes.job_outcome`)."""
    if not jobs:
        return []
    outcomes: list[dict[str, Any]] = dr.execute(["job_outcomes"], inputs={
        "jobs": jobs, "trainer_path": trainer_path, "train_data": train_data,
        "test_data": test_data})["job_outcomes"]
    return outcomes
