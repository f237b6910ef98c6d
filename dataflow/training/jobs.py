"""Run train + evaluate jobs (tuning trials, backtest windows) in parallel through the fan-out
graph of :mod:`dataflow.training.trial_nodes` on the execution stage's executors.

With ``n`` workers each job may use ``cores // n`` native threads (BLAS, OpenMP: numpy,
scikit-learn, LightGBM, ...), as joblib does for its workers: a trainer that takes every core
when it runs alone would otherwise run ``n`` times as many threads as there are cores once
``n`` jobs run at once, and ``n`` workers would be no faster than one.

>>> executor_for("threads", 2)
MultiThreadingExecutor(max_tasks=2)
>>> native_threads_per_job(2, cores=8), native_threads_per_job(3, cores=2)
(4, 1)
>>> native_threads_per_job(1, cores=8) is None  # one job at a time: no limit
True
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["JobsDriver", "executor_for", "jobs_driver", "limited_native_threads",
           "native_threads_per_job", "run_jobs", "usable_cores"]


def executor_for(kind: str, workers: int) -> Any:
    """``MultiProcessingExecutor(workers)`` or ``MultiThreadingExecutor(workers)``; the
    in-process executor for one worker."""
    from dataflow.execution import executors

    if workers == 1:
        return executors.SynchronousLocalTaskExecutor()
    if kind == "processes":
        return executors.MultiProcessingExecutor(workers)
    return executors.MultiThreadingExecutor(workers)


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def native_threads_per_job(workers: int, cores: int | None = None) -> int | None:
    """How many native threads each of ``workers`` concurrent jobs may use (``None``: one
    worker, no limit)."""
    if workers <= 1:
        return None
    return max(1, (cores if cores is not None else usable_cores()) // workers)


NATIVE_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                           "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
"""Read by the native libraries when they load (threadpoolctl changes those already loaded)."""


@contextlib.contextmanager
def limited_native_threads(threads: int | None, user_api: str | None = None,
                           environment: bool = False) -> Iterator[None]:
    """At most ``threads`` threads in the BLAS and OpenMP pools (``user_api``: ``"blas"`` or
    ``"openmp"`` only) while the block runs, by threadpoolctl; nothing when ``threads`` is
    ``None``. OpenMP's limit is the calling thread's own, BLAS's the whole process's.
    ``environment``: also set the variables those libraries read when they load, for the rest
    of the process's life (a worker process of ours: libraries its job loads are limited too)."""
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    if environment:
        os.environ.update(dict.fromkeys(NATIVE_THREAD_VARIABLES, str(threads)))
    with threadpool_limits(limits=threads, user_api=user_api):
        yield


@dataclass(frozen=True)
class JobsDriver:
    """The fan-out driver on its executor; ``processes``: jobs run in worker processes (each
    limits its own native threads) rather than in threads of this one (limited around the
    run: the limit is per process)."""

    driver: Any
    processes: bool
    native_threads: int | None


def jobs_driver(kind: str, workers: int) -> JobsDriver:
    from dataflow import driver
    from dataflow.training import trial_nodes

    dr = (driver.Builder().with_modules(trial_nodes)
          .enable_dynamic_execution(allow_experimental_mode=True)
          .with_remote_executor(executor_for(kind, workers)).build())
    return JobsDriver(dr, processes=kind == "processes" and workers > 1,
                      native_threads=native_threads_per_job(workers))


def run_jobs(jobs_dr: JobsDriver, jobs: list[dict[str, Any]], trainer_path: str,
             train_data: dict, test_data: dict) -> list[dict[str, Any]]:
    """The outcome of each job, in order (see :func:`trial_nodes.job_outcome`)."""
    if not jobs:
        return []
    # threads: BLAS's limit (per process) around the run here, OpenMP's (per thread) in each job
    around_run = None if jobs_dr.processes else jobs_dr.native_threads
    with limited_native_threads(around_run, user_api="blas"):
        outcomes: list[dict[str, Any]] = jobs_dr.driver.execute(["job_outcomes"], inputs={
            "jobs": jobs, "trainer_path": trainer_path, "train_data": train_data,
            "test_data": test_data, "native_threads": jobs_dr.native_threads,
            "in_worker_process": jobs_dr.processes})["job_outcomes"]
    return outcomes
