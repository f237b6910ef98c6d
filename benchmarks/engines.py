"""Per-node overhead of the engines on chains of trivial nodes, as ratios (never asserted).

    python -m benchmarks.engines            # 2,000 and 500 nodes, 2 dask worker processes
    python -m benchmarks.engines --quick    # 50 nodes: checks the runs work (the suite)

One run times, on the same chain module (each node adds one to the previous), with the same
dict result: the local driver; the chain as a dask graph written by hand (one task per node,
the floor of a node's trip through dask); dataflow's ``plugins.h_dask.DaskGraphAdapter``; and
Hamilton's ``hamilton.plugins.h_dask.DaskGraphAdapter``; all three on one
``distributed.LocalCluster`` (2 worker processes, 1 thread each); then the chain written by
hand with Ray tasks, dataflow's ``plugins.h_ray.RayGraphAdapter`` and Hamilton's
``hamilton.plugins.h_ray.RayGraphAdapter``, on one local Ray (``ray.init(num_cpus=2)``, started
here unless one is running). A chain has no parallelism,
so what is measured is the cost of turning each node into a task and of scheduling it: the
time of a run divided by the number of nodes. Each figure is the median of ``--repeats`` runs
after one unreported run; the results are checked equal. Hamilton 1.90 cannot run the
2,000-node chain (its graph walk recurses: ``RecursionError``), which is reported as such;
500 nodes is the comparison beside it. The load average printed first says how busy the
machine was.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dataflow import base, driver


def chain_source(nodes: int) -> str:
    lines = ["def n0(start: int) -> int:", "    return start + 1", ""]
    for index in range(1, nodes):
        lines += [f"def n{index}(n{index - 1}: int) -> int:", f"    return n{index - 1} + 1", ""]
    return "\n".join(lines)


CHAINS = tempfile.mkdtemp(prefix="dataflow-engines-")
"""Where the chain modules are written: on the path of this process, of the dask workers (by
upload) and of the Ray workers this benchmark starts (by ``PYTHONPATH``)."""


def chain_module(nodes: int, client: Any) -> Any:
    """The chain as a real module file, imported here and uploaded to the dask workers."""
    name = f"engine_chain_{nodes}_{os.getpid()}"
    path = Path(CHAINS) / f"{name}.py"
    path.write_text(chain_source(nodes))
    if CHAINS not in sys.path:
        sys.path.insert(0, CHAINS)
    module = importlib.import_module(name)
    client.upload_file(str(path))
    if _RAY_BY_VALUE:  # a Ray started elsewhere: its workers cannot import the module
        from ray import cloudpickle

        cloudpickle.register_pickle_by_value(module)
    return module


_RAY_BY_VALUE: list[bool] = []


def _timed(run: Callable[[], Any], repeats: int) -> tuple[float, Any] | str:
    """The median seconds of ``repeats`` runs after one unreported one, and the result; or
    the exception type's name when the runner fails."""
    try:
        result = run()  # one unreported run: imports, plan cache, workers warmed up
    except Exception as error:  # Hamilton 1.90: RecursionError on deep chains
        return type(error).__name__
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        again = run()
        times.append(time.perf_counter() - start)
        assert again == result
    return statistics.median(times), result


def measure(nodes: int, client: Any, repeats: int) -> dict[str, tuple[float, Any] | str]:
    """Every runner on a chain of ``nodes``."""
    from hamilton import base as h_base
    from hamilton import driver as h_driver
    from hamilton.plugins import h_dask as hamilton_dask

    from plugins import h_dask

    module = chain_module(nodes, client)
    last = [f"n{nodes - 1}"]
    inputs = {"start": 0}
    local = driver.Builder().with_modules(module).build()
    ours = (driver.Builder().with_modules(module)
            .with_adapters(h_dask.DaskGraphAdapter(client, result_builder=base.DictResult()))
            .build())
    functions = [getattr(module, f"n{index}") for index in range(nodes)]

    def by_hand() -> dict[str, Any]:
        """The chain written as a dask graph by hand: one task per node, each reading the key
        of the one before, computed on the same cluster."""
        graph = {"start": inputs["start"], "n0": (functions[0], "start")}
        for index in range(1, nodes):
            graph[f"n{index}"] = (functions[index], f"n{index - 1}")
        (value,) = client.get(graph, last)
        return {last[0]: value}

    figures = {
        "local driver": _timed(lambda: local.execute(last, inputs=inputs), repeats),
        "hand-written dask graph": _timed(by_hand, repeats),
        "dataflow DaskGraphAdapter": _timed(lambda: ours.execute(last, inputs=inputs), repeats),
    }
    try:
        hamilton = h_driver.Driver({}, module, adapter=hamilton_dask.DaskGraphAdapter(
            client, result_builder=h_base.DictResult()))
        figures["Hamilton DaskGraphAdapter"] = _timed(
            lambda: hamilton.execute(last, inputs=inputs), repeats)
    except Exception as error:
        figures["Hamilton DaskGraphAdapter"] = type(error).__name__
    figures.update(measure_ray(module, last, inputs, repeats))
    results = {repr(f[1]) for f in figures.values() if not isinstance(f, str)}
    assert len(results) == 1, figures
    return figures


def measure_ray(module: Any, last: list[str], inputs: dict[str, Any],
                repeats: int) -> dict[str, tuple[float, Any] | str]:
    """The chain by hand with Ray, and both Ray adapters on it (Ray is running)."""
    import ray
    from hamilton import base as h_base
    from hamilton import driver as h_driver
    from hamilton.plugins import h_ray as hamilton_ray

    from plugins import h_ray

    ours = (driver.Builder().with_modules(module)
            .with_adapters(h_ray.RayGraphAdapter(base.DictResult())).build())
    remotes = [ray.remote(getattr(module, f"n{index}"))
               for index in range(int(last[0][1:]) + 1)]

    def by_hand() -> dict[str, Any]:
        """The chain written with Ray alone: one remote function per node, refs between."""
        ref = remotes[0].remote(inputs["start"])
        for remote in remotes[1:]:
            ref = remote.remote(ref)
        return {last[0]: ray.get(ref)}

    figures = {"hand-written Ray tasks": _timed(by_hand, repeats),
               "dataflow RayGraphAdapter": _timed(lambda: ours.execute(last, inputs=inputs),
                                                  repeats)}
    try:
        hamilton = h_driver.Driver({}, module, adapter=hamilton_ray.RayGraphAdapter(
            h_base.DictResult()))
        figures["Hamilton RayGraphAdapter"] = _timed(
            lambda: hamilton.execute(last, inputs=inputs), repeats)
    except Exception as error:
        figures["Hamilton RayGraphAdapter"] = type(error).__name__
    return figures


def _start_ray() -> bool:
    """Start a local Ray whose workers import the chain modules; ``False`` when one is
    running already (the chain modules then travel by value)."""
    import ray

    if ray.is_initialized():
        _RAY_BY_VALUE.append(True)
        return False
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (CHAINS, before) if p)
    try:  # the workers inherit the environment of the Ray started here
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before
    return True


def main(argv: list[str] | None = None, client: Any = None) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 nodes, 1 repeat")
    parser.add_argument("--nodes", type=int, nargs="+", default=[2_000, 500],
                        help="chain lengths (Hamilton 1.90 fails on 2,000 with RecursionError)")
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args(argv)
    sizes = [50] if options.quick else options.nodes
    repeats = 1 if options.quick else options.repeats

    from distributed import Client, LocalCluster

    own = client is None
    cluster = None
    if own:
        cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                               dashboard_address=":0")
        client = Client(cluster)
    own_ray = _start_ray()
    load_before = os.getloadavg()[0]
    try:
        measured = {nodes: measure(nodes, client, repeats) for nodes in sizes}
    finally:
        _RAY_BY_VALUE.clear()
        if own_ray:
            import ray

            ray.shutdown()
        if own:
            client.close()
            assert cluster is not None
            cluster.close()
    lines = [f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, on "
             f"{os.cpu_count()} cores; "
             f"chains of {', '.join(map(str, sizes))} nodes, median of {repeats}",
             "| runner | nodes | seconds per run | µs per node | / local driver "
             "| / dataflow, same engine |",
             "|---|---|---|---|---|---|"]
    for nodes, figures in measured.items():
        local = figures["local driver"]
        assert not isinstance(local, str), local
        for name, figure in figures.items():
            if isinstance(figure, str):
                lines.append(f"| {name} | {nodes} | fails: {figure} | | | |")
                continue
            seconds = figure[0]
            engine = "RayGraphAdapter" if "Ray" in name else "DaskGraphAdapter"
            ours = figures.get(f"dataflow {engine}")
            same = (f"{seconds / ours[0]:.2f}x" if ours is not None and not isinstance(ours, str)
                    and name != "local driver" else "")
            lines.append(f"| {name} | {nodes} | {seconds:.4f} | {seconds / nodes * 1e6:.1f} | "
                         f"{seconds / local[0]:.0f}x | {same} |")
    for line in lines:
        print(line)
    return lines


if __name__ == "__main__":
    main()
