"""What handing graph hooks a ``HamiltonGraph`` costs: ``python -m benchmarks.graph_types``.

On 1,000 independent chains 10 deep (10,000 nodes), requesting one output (10 nodes run):

* steady-state ``execute`` with no adapter, and with a no-op graph hook
  (``run_before_graph_execution`` / ``run_after_graph_execution``), alternating the two drivers
  in each repeat; best of repeats, thread CPU time per call;
* making the ``HamiltonGraph``'s nodes (what the first hook that reads them pays, once per
  driver), next to building the driver, and next to Hamilton's ``HamiltonGraph.from_graph``
  over the same module (which Hamilton makes for every graph-hook call).

Prints a Markdown table with the load average before and after.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.modules import chains, load

COUNT, DEPTH = 1000, 10
REPEATS, PER_REPEAT = 9, 200


def _cpu_per_call(run: Callable[[], Any], per_repeat: int) -> float:
    start = time.thread_time()
    for _ in range(per_repeat):
        run()
    return (time.thread_time() - start) / per_repeat


def _cpu_once(make: Callable[[], Any], repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        make()
        best = min(best, time.thread_time() - start)
    return best


def main() -> str:
    os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
    from dataflow import base, driver, lifecycle
    from dataflow.graph_types import HamiltonGraph

    class NoOpGraphHook(lifecycle.GraphExecutionHook):
        def run_before_graph_execution(self, **future_kwargs: Any) -> None:
            pass

        def run_after_graph_execution(self, **future_kwargs: Any) -> None:
            pass

    before = os.getloadavg()
    with tempfile.TemporaryDirectory() as directory:
        source, _ = chains(COUNT, DEPTH)
        module = load(Path(directory), "graph_types_bench", source)
        wanted = [f"c{COUNT // 2}_{DEPTH - 1}"]
        plain = driver.Builder().with_modules(module).with_adapters(base.DictResult()).build()
        hooked = (driver.Builder().with_modules(module)
                  .with_adapters(NoOpGraphHook(), base.DictResult()).build())
        runs = {"no adapter": lambda: plain.execute(wanted, inputs={"x": 1}),
                "no-op graph hook": lambda: hooked.execute(wanted, inputs={"x": 1})}
        for run in runs.values():  # warm up: plans cached and compiled, HamiltonGraph made
            for _ in range(100):
                run()
        best = {name: float("inf") for name in runs}
        for _ in range(REPEATS):  # alternate, so both see the same machine
            for name, run in runs.items():
                best[name] = min(best[name], _cpu_per_call(run, PER_REPEAT))
        build = _cpu_once(lambda: driver.Builder().with_modules(module).build(), 3)
        made = _cpu_once(lambda: HamiltonGraph.from_graph(plain.graph).nodes)
        versions = _cpu_once(lambda: HamiltonGraph.from_graph(plain.graph).version, 3)
        theirs = _hamilton_from_graph(module)
    after = os.getloadavg()
    ratio = best["no-op graph hook"] / best["no adapter"]
    rows = [
        ("execute, steady state, no adapter (thread CPU per call)",
         f"{best['no adapter'] * 1e6:.1f} us", ""),
        ("execute, steady state, no-op graph hook", f"{best['no-op graph hook'] * 1e6:.1f} us",
         f"{ratio:.2f}x of no adapter"),
        ("build the driver (10,000 nodes)", f"{build * 1e3:.1f} ms", ""),
        ("make the HamiltonGraph's nodes (once per driver, at a hook's first read)",
         f"{made * 1e3:.1f} ms", f"{made / build:.2f}x of the build"),
        ("... and read graph.version (hashes every function's source)",
         f"{versions * 1e3:.1f} ms", ""),
    ]
    if theirs is not None:
        rows += [
            ("Hamilton: HamiltonGraph.from_graph (at every graph-hook call)",
             f"{theirs[0] * 1e3:.1f} ms", f"ours / Hamilton's: {made / theirs[0]:.2f}x"),
            ("Hamilton: ... and read graph.version", f"{theirs[1] * 1e3:.1f} ms",
             f"ours / Hamilton's: {versions / theirs[1]:.2f}x"),
        ]
    lines = [f"load average (1, 5, 15 min): before {tuple(round(x, 2) for x in before)}, "
             f"after {tuple(round(x, 2) for x in after)}",
             "| measure | value | note |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def _hamilton_from_graph(module: Any) -> tuple[float, float] | None:
    try:
        from hamilton import driver as hamilton_driver
        from hamilton.graph_types import HamiltonGraph as TheirGraph
    except ImportError:
        return None
    dr = hamilton_driver.Builder().with_modules(module).build()
    made = _cpu_once(lambda: TheirGraph.from_graph(dr.graph))
    versions = _cpu_once(lambda: TheirGraph.from_graph(dr.graph).version, 3)
    return made, versions


if __name__ == "__main__":
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    print(main())
