"""Peak memory and wall time of the 300-feature pipeline when its frame outgrows one process.

    python -m benchmarks.engines_memory                       # 1,500,000 rows, 4 GiB budget
    python -m benchmarks.engines_memory --rows 2000000        # a 4.47 GiB frame, over the budget
    python -m benchmarks.engines_memory --quick               # 20,000 rows, 30 features

The job: the 300 features of ``benchmarks.modules.features`` (10 input columns) as one wide
frame, written to Parquet, as a training job would persist it. At ``--rows`` rows the frame is
``rows x 300 x 8`` bytes (3.35 GiB at 1.5M rows, 4.47 GiB at 2M): it does not fit comfortably in
the per-process budget (``--budget-gib``, 4 GiB). Each runner runs in a fresh process of its
own, one after the other:

* ``pandas driver``: the local driver builds the pandas frame (inputs made in the process), then
  ``DataFrame.to_parquet``: everything lives in the one process.
* ``dask (2 workers)``: the same module on a ``distributed.LocalCluster`` of 2 worker processes,
  each with ``memory_limit`` = the budget. The inputs are a dask DataFrame of
  ``--partition-rows`` row partitions made on the workers; ``DaskGraphAdapter(use_delayed=False,
  result_builder=DaskDataFrameResult())`` turns each node into dask DataFrame work, and the
  frame is written partition by partition with ``to_parquet`` (its column sums and sample rows
  computed in the same pass, to check the result).
* ``Hamilton dask``: Hamilton 1.90's own ``DaskGraphAdapter`` in the same set-up, for comparison.
* ``ray (2 CPUs)``: the pandas job with ``plugins.h_ray.RayGraphAdapter`` on a local
  ``ray.init(num_cpus=2)`` whose object store is capped at the budget (:func:`ray_job`).

Figures per runner: wall time of build + execute + write; the driver process's peak RSS
(``getrusage``); the largest peak RSS of any other process (each dask worker's own
``getrusage``, and every child process's RSS sampled every 0.1 s: dask workers, Ray's GCS,
raylet and workers); the largest sum of the children's RSS; the largest sum of the PSS of the
whole process tree, the driver included (sampled every 0.5 s: shared memory, as Ray's object
store, counted once). A runner fits the budget when every process's peak RSS is within it. The
column sums of every runner's frame are checked equal, and 16 rows of every frame
(:func:`sample_labels`) equal value for value. The load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HERE = Path(__file__).resolve().parent
N_INPUTS, N_FEATURES = 10, 300
RUNNERS = ("pandas", "dask", "hamilton-dask", "ray")
LABELS = {"pandas": "pandas driver", "dask": "dask (2 workers)",
          "hamilton-dask": "Hamilton dask (2 workers)", "ray": "ray (2 CPUs)"}


def input_partition(bounds: tuple[int, int]) -> Any:
    """Rows ``[lo, hi)`` of the 10 input columns: deterministic, so every runner (and every
    partitioning) sees the same numbers."""
    import numpy as np
    import pandas as pd

    lo, hi = bounds
    position = np.arange(lo, hi, dtype=np.float64)
    return pd.DataFrame({f"c{i}": np.sin(position * (i + 1) * 1e-3) for i in range(N_INPUTS)},
                        index=pd.RangeIndex(lo, hi))


def sample_labels(rows: int, size: int = 16) -> list[int]:
    """The rows every runner reports in full, to check their frames agree value for value:
    ``size`` of them, spread evenly, the first and the last included."""
    return sorted({round(i * (rows - 1) / (size - 1)) for i in range(size)})


def rows_at(frame: Any, labels: list[int]) -> Any:
    """The rows of ``frame`` (one partition of a dask frame) whose index is in ``labels``."""
    return frame[frame.index.isin(labels)]


def sample_of(frame: Any) -> dict[str, Any]:
    """A frame's sample as JSON: its columns, index and values (row by row)."""
    return {"columns": [str(c) for c in frame.columns], "index": [int(i) for i in frame.index],
            "values": frame.to_numpy().tolist()}


def compare_samples(results: dict[str, dict[str, Any] | str]) -> str:
    """Whether the runners' samples are equal, value for value, to the first runner's: a line
    for the report; raises when a runner's rows or columns differ."""
    import numpy as np

    samples = {name: facts["sample"] for name, facts in results.items()
               if isinstance(facts, dict) and "sample" in facts}
    if len(samples) < 2:
        return "sample check: fewer than two runners finished"
    (first, reference), *others = samples.items()
    worst = 0.0
    for name, sample in others:
        if sample["columns"] != reference["columns"] or sample["index"] != reference["index"]:
            raise AssertionError(f"{name}'s sample has other rows or columns than {first}'s")
        worst = max(worst, float(np.max(np.abs(np.asarray(sample["values"])
                                              - np.asarray(reference["values"])))))
    if worst > 1e-9:
        raise AssertionError(f"the runners' samples differ from {first}'s by up to {worst}")
    shape = f"{len(reference['index'])} rows x {len(reference['columns'])} columns"
    return (f"sample check: {shape} equal across {', '.join(samples)} "
            f"(largest difference {worst:g})")


def feature_module(workdir: Path, n_features: int) -> tuple[Any, list[str]]:
    from benchmarks import modules

    source, outputs = modules.features(N_INPUTS, n_features)
    return modules.load(workdir, "memory_features", source), outputs


class ChildSampler:
    """Samples the memory of this process's tree every ``interval`` seconds: the largest sum of
    the children's (recursively: dask workers, Ray's raylet and workers) RSS, the largest single
    child, and, every ``pss_every`` samples, the largest sum of the PSS of the whole tree, this
    process included (shared memory, as Ray's object store, counted once, not once per
    process that maps it)."""

    def __init__(self, interval: float = 0.1, pss_every: int = 5) -> None:
        import psutil

        self._me = psutil.Process()
        self.interval = interval
        self.pss_every = pss_every
        self.peak_sum = 0
        self.peak_one = 0
        self.peak_tree_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        for sample in itertools.count():
            if self._stop.is_set():
                break
            total = 0
            children = self._me.children(recursive=True)
            for child in children:
                try:
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                total += rss
                self.peak_one = max(self.peak_one, rss)
            self.peak_sum = max(self.peak_sum, total)
            if sample % self.pss_every == 0:
                pss = 0
                for process in (self._me, *children):
                    with contextlib.suppress(psutil.Error):
                        pss += process.memory_full_info().pss
                self.peak_tree_pss = max(self.peak_tree_pss, pss)
            self._stop.wait(self.interval)

    def __enter__(self) -> ChildSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def pandas_job(rows: int, workdir: Path, n_features: int) -> dict[str, Any]:
    from dataflow import base, driver

    graph, outputs = feature_module(workdir, n_features)
    start = time.perf_counter()
    inputs = input_partition((0, rows))
    series = {c: inputs[c] for c in inputs.columns}
    del inputs
    dr = driver.Builder().with_modules(graph).with_adapters(base.PandasDataFrameResult()).build()
    frame = dr.execute(outputs, inputs=series)
    frame.to_parquet(workdir / "features.parquet")
    seconds = time.perf_counter() - start
    checksum = sum(float(frame[c].sum()) for c in frame.columns)
    return {"seconds": seconds, "checksum": checksum, "shape": list(frame.shape),
            "sample": sample_of(frame.loc[sample_labels(rows)])}


def dask_job(rows: int, workdir: Path, n_features: int, client: Any, partition_rows: int,
             framework: str = "dataflow") -> dict[str, Any]:
    import cloudpickle
    import dask
    import dask.dataframe as dd

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers need not import it
    graph, outputs = feature_module(workdir, n_features)
    client.upload_file(graph.__file__)  # the workers import the generated module by name
    start = time.perf_counter()
    bounds = [(lo, min(lo + partition_rows, rows)) for lo in range(0, rows, partition_rows)]
    frame = dd.from_map(input_partition, bounds,
                        divisions=[lo for lo, _ in bounds] + [rows - 1])
    inputs = {c: frame[c] for c in frame.columns}
    if framework == "hamilton":
        from hamilton import driver as h_driver
        from hamilton.plugins import h_dask as hamilton_dask

        adapter: Any = hamilton_dask.DaskGraphAdapter(
            client, hamilton_dask.DaskDataFrameResult(), use_delayed=False,
            compute_at_end=False)
        features = h_driver.Driver({}, graph, adapter=adapter).execute(outputs, inputs=inputs)
    else:
        from dataflow import driver
        from plugins import h_dask

        adapter = h_dask.DaskGraphAdapter(client, h_dask.DaskDataFrameResult(),
                                          use_delayed=False, compute_at_end=False)
        features = driver.Builder().with_modules(graph).with_adapters(adapter).build().execute(
            outputs, inputs=inputs)
    write = features.to_parquet(workdir / "features", compute=False)
    labels = sample_labels(rows)  # the sample's rows: computed in the same pass
    _, sums, rows_sampled = dask.compute(write, features.sum(),
                                         features.map_partitions(rows_at, labels))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "checksum": float(sums.sum()), "sample": sample_of(rows_sampled),
            "shape": [rows, len(features.columns)],
            "worker_peak": max(usage.ru_maxrss * 1024 for usage in client.run(
                resource.getrusage, resource.RUSAGE_SELF).values())}


def ray_job(rows: int, workdir: Path, n_features: int, budget: int) -> dict[str, Any]:
    """The pandas job with ``plugins.h_ray.RayGraphAdapter`` on a local
    ``ray.init(num_cpus=2)`` whose object store is capped at the budget: each node a Ray task,
    each value in the object store, the frame built from the outputs in the driver."""
    import ray

    from dataflow import base, driver
    from plugins import h_ray

    graph, outputs = feature_module(workdir, n_features)
    before = os.environ.get("PYTHONPATH")  # the workers import the generated module by name
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(workdir), before) if p)
    try:
        ray.init(num_cpus=2, object_store_memory=budget, include_dashboard=False,
                 log_to_driver=False)
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before
    try:
        start = time.perf_counter()
        inputs = input_partition((0, rows))
        series = {c: inputs[c] for c in inputs.columns}
        del inputs
        adapter = h_ray.RayGraphAdapter(result_builder=base.PandasDataFrameResult())
        frame = driver.Builder().with_modules(graph).with_adapters(adapter).build().execute(
            outputs, inputs=series)
        frame.to_parquet(workdir / "features.parquet")
        seconds = time.perf_counter() - start
        checksum = sum(float(frame[c].sum()) for c in frame.columns)
        sample = sample_of(frame.loc[sample_labels(rows)])
    finally:
        ray.shutdown()
    return {"seconds": seconds, "checksum": checksum, "shape": list(frame.shape),
            "sample": sample}


def child(runner: str, rows: int, n_features: int, partition_rows: int,
          budget: int) -> dict[str, Any]:
    """Runs in its own process: one runner's job, with its memory figures."""
    with tempfile.TemporaryDirectory(prefix="dataflow-engines-memory-") as folder:
        workdir = Path(folder)
        sys.path.insert(0, folder)
        with ChildSampler() as sampler:
            if runner == "pandas":
                facts = pandas_job(rows, workdir, n_features)
            elif runner == "ray":
                facts = ray_job(rows, workdir, n_features, budget)
            else:
                from distributed import Client, LocalCluster

                with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  memory_limit=budget, dashboard_address=":0") as cluster, \
                        Client(cluster) as client:
                    facts = dask_job(rows, workdir, n_features, client, partition_rows,
                                     "hamilton" if runner == "hamilton-dask" else "dataflow")
        facts["driver_peak"] = _peak_rss()
        facts["children_peak"] = sampler.peak_sum
        facts["largest_child_peak"] = sampler.peak_one
        facts["tree_pss_peak"] = sampler.peak_tree_pss
    return facts


def run_child(runner: str, rows: int, n_features: int, partition_rows: int,
              budget: int) -> dict[str, Any] | str:
    command = [sys.executable, "-m", "benchmarks.engines_memory", "--child", runner,
               "--rows", str(rows), "--features", str(n_features),
               "--partition-rows", str(partition_rows),
               "--budget-bytes", str(budget)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent, check=False)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["(no output)"]
        return f"failed: {lines[-1][:80]}"
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _gib(value: int | None) -> str:
    return "-" if not value else f"{value / 2**30:.2f} GiB"


def table(results: dict[str, dict[str, Any] | str], budget: int) -> list[str]:
    """The report: per runner, wall time, peaks, and whether every process stayed within the
    budget (the driver, each dask worker, each of Ray's processes)."""
    lines = ["| runner | wall time | vs pandas | driver peak RSS | largest other process "
             "peak RSS | children peak RSS (sum) | whole tree peak PSS | fits the budget |",
             "|---|---|---|---|---|---|---|---|"]
    base_facts = results.get("pandas")
    base = base_facts["seconds"] if isinstance(base_facts, dict) else None
    for runner, facts in results.items():
        if isinstance(facts, str):
            lines.append(f"| {LABELS[runner]} | {facts} | | | | | | |")
            continue
        other = max(facts.get("worker_peak") or 0, facts.get("largest_child_peak") or 0)
        largest = max(facts["driver_peak"], other)
        ratio = f"{facts['seconds'] / base:.2f}x" if base else "-"
        lines.append(
            f"| {LABELS[runner]} | {facts['seconds']:.1f} s | {ratio} | "
            f"{_gib(facts['driver_peak'])} | {_gib(other)} | "
            f"{_gib(facts['children_peak'])} | {_gib(facts.get('tree_pss_peak'))} | "
            f"{'yes' if largest <= budget else 'no'} |")
    return lines


def main(argv: list[str] | None = None,
         runner: Callable[..., dict[str, Any] | str] = run_child) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_500_000)
    parser.add_argument("--features", type=int, default=N_FEATURES)
    parser.add_argument("--partition-rows", type=int, default=50_000)
    parser.add_argument("--budget-gib", type=float, default=4.0)
    parser.add_argument("--budget-bytes", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--runners", default=",".join(RUNNERS))
    parser.add_argument("--quick", action="store_true",
                        help="20,000 rows, 30 features: checks that every runner runs")
    parser.add_argument("--child", choices=RUNNERS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    budget = args.budget_bytes or int(args.budget_gib * 2**30)
    if args.quick:
        args.rows, args.features, args.partition_rows = 20_000, 30, 5_000
    if args.child:
        print(json.dumps(child(args.child, args.rows, args.features, args.partition_rows,
                               budget)))
        return []
    load_before = os.getloadavg()
    results = {name: runner(name, args.rows, args.features, args.partition_rows, budget)
               for name in args.runners.split(",")}
    load_after = os.getloadavg()
    sums = {name: facts["checksum"] for name, facts in results.items() if isinstance(facts, dict)}
    if sums and max(sums.values()) - min(sums.values()) > 1e-9 * max(map(abs, sums.values())):
        raise AssertionError(f"the runners' frames differ: column sums {sums}")
    checked = compare_samples(results)
    lines = [f"{args.features} features, {args.rows:,} rows x {args.features} float64 columns "
             f"({args.rows * args.features * 8 / 2**30:.2f} GiB frame), written to Parquet; "
             f"budget {budget / 2**30:.1f} GiB per process; dask partitions of "
             f"{args.partition_rows:,} rows",
             f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
             f"({os.cpu_count()} CPUs)", checked, "", *table(results, budget)]
    print("\n".join(lines))
    return lines


if __name__ == "__main__":
    main()
