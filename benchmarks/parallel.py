"""Parallel executors against the synchronous run, as ratios (never asserted).

    python -m benchmarks.parallel            # full sizes, about half a minute on 2 cores
    python -m benchmarks.parallel --quick    # tiny sizes: checks the scenarios run (the suite)

Two scenarios, each 8 independent nodes over one input, every executor on the same module:

* **numpy, threads** — each node runs numpy ufuncs over a large float array; numpy releases the
  GIL inside them, so two threads can use both cores. ``MultiThreadingExecutor(2)`` vs sync.
* **pure Python, processes** — each node is a CPU-bound Python loop, which holds the GIL, so
  only processes help. ``MultiProcessingExecutor(2)`` vs sync; the pool is started inside the
  timed run (a pool lives for one run), so its start-up cost is counted.

Each executor is also timed with 1 worker: "1 worker / 2 workers" is the speed-up from the
second worker alone. (It differs from "sync / 2 workers" for numpy: glibc gives worker threads
their own malloc arenas, and the main thread's heap is trimmed and page-faulted back on every
large temporary, so numpy code runs faster on any worker thread than on the main thread:
``MALLOC_TRIM_THRESHOLD_=100000000`` makes the main thread as fast.) Beside each, the same
functions on a bare ``concurrent.futures`` pool of the same size (no
dataflow): the speed-up the machine allows at that moment, so the framework's share can be read
off. Each figure is the median of ``--repeats`` runs after one unreported run; results are
checked equal across all three. The load average printed first says how busy the machine
already was: on a shared 2-core machine, a core that another job is using speeds nothing up.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dataflow import ad_hoc_utils, driver
from dataflow.execution import executors

NODES = 8


def numpy_source(nodes: int) -> str:
    """8 nodes ``n0..n7`` each reducing a chain of GIL-releasing ufuncs over ``data``."""
    lines = ["import numpy as np", ""]
    for index in range(nodes):
        lines += [f"def n{index}(data: np.ndarray, rounds: int) -> float:",
                  "    total = 0.0",
                  "    for _ in range(rounds):",
                  f"        total += float(np.sqrt(np.sin(data + {index}) ** 2 + 1.0).sum())",
                  "    return total", ""]
    return "\n".join(lines)


def python_source(nodes: int) -> str:
    """8 nodes ``p0..p7`` each a pure-Python loop that holds the GIL throughout."""
    lines = []
    for index in range(nodes):
        lines += [f"def p{index}(loops: int) -> int:",
                  "    total = 0",
                  "    for i in range(loops):",
                  f"        total = (total + i * i + {index}) % 1_000_003",
                  "    return total", ""]
    return "\n".join(lines)


def median_seconds(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    result = run()  # unreported: imports, first planning
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bare_pool(module: Any, outputs: list[str], inputs: dict[str, Any], pool_type: Any,
              workers: int) -> dict[str, Any]:
    """The same functions on a bare ``concurrent.futures`` pool of ``workers`` (started inside
    the timed run too): what the machine allows at this moment, without dataflow."""
    with pool_type(max_workers=workers) as pool:
        futures = {name: pool.submit(getattr(module, name), **inputs) for name in outputs}
        return {name: future.result() for name, future in futures.items()}


def compare(module: Any, outputs: list[str], inputs: dict[str, Any], parallel: Any,
            repeats: int) -> tuple[float, float, float, float]:
    synchronous = driver.Builder().with_modules(module).build()
    pooled = (driver.Builder().with_modules(module)
              .enable_dynamic_execution(allow_experimental_mode=True)
              .with_local_executor(parallel).build())
    one_worker = (driver.Builder().with_modules(module)
                  .enable_dynamic_execution(allow_experimental_mode=True)
                  .with_local_executor(type(parallel)(1)).build())
    sync_time, sync_result = median_seconds(lambda: synchronous.execute(outputs, inputs=inputs),
                                            repeats)
    pool_time, pool_result = median_seconds(lambda: pooled.execute(outputs, inputs=inputs),
                                            repeats)
    pool_type = (concurrent.futures.ProcessPoolExecutor
                 if isinstance(parallel, executors.MultiProcessingExecutor)
                 else concurrent.futures.ThreadPoolExecutor)
    one_time, one_result = median_seconds(lambda: one_worker.execute(outputs, inputs=inputs),
                                          repeats)
    bare_time, bare_result = median_seconds(
        lambda: bare_pool(module, outputs, inputs, pool_type, parallel.max_tasks), repeats)
    if not pool_result == sync_result == bare_result == one_result:
        raise AssertionError(f"{parallel!r} gave {pool_result}, sync gave {sync_result}")
    return sync_time, one_time, pool_time, bare_time


def row(scenario: str, sync_time: float, one_time: float, pool_time: float,
        bare_time: float) -> str:
    return (f"| {scenario} | {sync_time * 1e3:,.0f} ms | {one_time * 1e3:,.0f} ms | "
            f"{pool_time * 1e3:,.0f} ms | {bare_time * 1e3:,.0f} ms | "
            f"{sync_time / pool_time:.2f}x | {one_time / pool_time:.2f}x | "
            f"{sync_time / bare_time:.2f}x |")


def main(argv: list[str] | None = None) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 5)
    import numpy as np

    rows, rounds, loops = (10_000, 1, 10_000) if args.quick else (200_000, 40, 2_000_000)
    numpy_module = ad_hoc_utils.module_from_source(numpy_source(NODES), "bench_parallel_numpy")
    python_module = ad_hoc_utils.module_from_source(python_source(NODES),
                                                    "bench_parallel_python")
    data = np.random.default_rng(0).random(rows)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [f"cores: {os.cpu_count()}; load average at start: {load}; {NODES} independent "
             f"nodes; median of {repeats}",
             "| scenario | sync | 1 worker | 2 workers | bare pool of 2 | sync / 2 workers | "
             "1 worker / 2 workers | sync / bare pool |", "|---|---|---|---|---|---|---|---|"]
    lines.append(row(f"numpy ufuncs ({rows:,} rows), MultiThreadingExecutor(2)",
                     *compare(numpy_module, [f"n{i}" for i in range(NODES)],
                              {"data": data, "rounds": rounds},
                              executors.MultiThreadingExecutor(2), repeats)))
    lines.append(row(f"pure-Python loops ({loops:,} steps), MultiProcessingExecutor(2)",
                     *compare(python_module, [f"p{i}" for i in range(NODES)],
                              {"loops": loops}, executors.MultiProcessingExecutor(2),
                              repeats)))
    print("\n".join(lines))
    return lines


if __name__ == "__main__":
    main()
