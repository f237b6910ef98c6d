"""Fan-out (``Parallelizable`` / ``Collect``): framework time per item, beside Hamilton and a
hand-written loop, in one run (figures are printed, never asserted).

    python -m benchmarks.fanout            # 100, 1,000 and 10,000 items
    python -m benchmarks.fanout --quick    # tiny sizes: checks the scenario runs (the suite)

The module: ``items(n) -> Parallelizable[int]``, a block of 3 trivial nodes
(``a -> b -> c``), and ``total(c: Collect[int])``. The hand-written loop calls the same
functions: ``total([c(b(a(i))) for i in items(n)])``. Framework time per item is
``(framework run - hand run) / items``: what the framework adds around each item's 3 calls.

Both frameworks run the items in the calling thread (remote executor
``SynchronousLocalTaskExecutor()``, local too), so the figures compare scheduling, not
thread pools; dataflow's default remote executor (Hamilton's default too,
``MultiThreadingExecutor(10)``) is shown on its own row for reference. Each figure is the
median of ``--repeats`` timed ``execute`` calls on a built driver, after one unreported run.
Hamilton's scheduling is not linear in the number of items (about 1 s for 1,000 items, minutes
for 10,000 on a 2-core machine), so above 1,000 items it runs once, timed and checked;
``--no-hamilton-above N`` skips it above N items. The load average printed first says
how busy the machine was.
"""

from __future__ import annotations

import argparse
import logging
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

SOURCE = '''
from {root}.htypes import Collect, Parallelizable


def items(n: int) -> Parallelizable[int]:
    return range(n)


def a(items: int) -> int:
    return items + 1


def b(a: int) -> int:
    return a * 2


def c(b: int) -> int:
    return b - 3


def total(c: Collect[int]) -> int:
    return sum(c)
'''

TARGET_US = 50.0
SLOW_ABOVE = 1_000
"""Above this many items Hamilton runs once (timed and checked), not ``--repeats`` times."""


def _module(root: str, directory: Path) -> Any:
    import importlib.util

    path = directory / f"fanout_bench_{root}.py"
    path.write_text(SOURCE.format(root=root))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def drivers(directory: Path, with_hamilton: bool) -> dict[str, Callable[[int], int]]:
    """The runs to time, by name: each takes the number of items and returns ``total``."""
    from dataflow import driver
    from dataflow.execution import executors

    ours = _module("dataflow", directory)
    sync = (driver.Builder().with_modules(ours)
            .enable_dynamic_execution(allow_experimental_mode=True)
            .with_remote_executor(executors.SynchronousLocalTaskExecutor()).build())
    threads = (driver.Builder().with_modules(ours)
               .enable_dynamic_execution(allow_experimental_mode=True).build())

    def hand(n: int) -> int:
        return ours.total([ours.c(ours.b(ours.a(i))) for i in ours.items(n)])

    runs: dict[str, Callable[[int], int]] = {
        "hand": hand,
        "dataflow": lambda n: sync.execute(["total"], inputs={"n": n})["total"],
    }
    if with_hamilton:
        os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
        logging.getLogger("hamilton").setLevel(logging.CRITICAL)
        from hamilton import driver as hamilton_driver
        from hamilton.execution import executors as hamilton_executors

        theirs = _module("hamilton", directory)
        hamilton = (hamilton_driver.Builder().with_modules(theirs)
                    .enable_dynamic_execution(allow_experimental_mode=True)
                    .with_local_executor(hamilton_executors.SynchronousLocalTaskExecutor())
                    .with_remote_executor(hamilton_executors.SynchronousLocalTaskExecutor())
                    .build())
        runs["hamilton"] = lambda n: hamilton.execute(["total"], inputs={"n": n})["total"]
    runs["dataflow, threads(10)"] = lambda n: threads.execute(["total"], inputs={"n": n})["total"]
    return runs


def _median_seconds(run: Callable[[int], int], n: int, repeats: int, expected: int) -> float:
    if repeats == 0:  # one run, timed and checked (Hamilton's 10,000 items take minutes)
        start = time.perf_counter()
        assert run(n) == expected
        return time.perf_counter() - start
    assert run(n) == expected
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(n)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (for the test suite)")
    parser.add_argument("--repeats", type=int, default=0)
    parser.add_argument("--no-hamilton", action="store_true")
    parser.add_argument("--no-hamilton-above", type=int, default=10_000)
    args = parser.parse_args(argv)
    sizes = [10, 100] if args.quick else [100, 1_000, 10_000]
    repeats = args.repeats or (1 if args.quick else 5)
    lines = [f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
             f"fan-out of a 3-node block; median of {repeats} run(s); framework time per item "
             f"= (run - hand) / items (target <= {TARGET_US:.0f} us, flat)"]
    with tempfile.TemporaryDirectory() as directory:
        runs = drivers(Path(directory), with_hamilton=not args.no_hamilton)
        header = "| items | " + " | ".join(f"{name} ms" for name in runs) + " | " + " | ".join(
            f"{name} us/item" for name in runs if name != "hand") + " | hamilton / dataflow |"
        lines += [header, "|" + "---|" * (header.count("|") - 1)]
        for n in sizes:
            expected = runs["hand"](n)
            seconds = {}
            for name, run in runs.items():
                if name == "hamilton" and n > args.no_hamilton_above:
                    continue
                slow = name == "hamilton" and n > SLOW_ABOVE
                seconds[name] = _median_seconds(run, n, 0 if slow else repeats, expected)
            per_item = {name: (s - seconds["hand"]) / n * 1e6
                        for name, s in seconds.items() if name != "hand"}
            ratio = (f"{per_item['hamilton'] / per_item['dataflow']:.0f}x"
                     if "hamilton" in per_item and per_item["dataflow"] > 0 else "-")
            lines.append(
                f"| {n:,} | " + " | ".join(
                    f"{seconds[name] * 1e3:.2f}" if name in seconds else "skipped"
                    for name in runs) + " | " + " | ".join(
                    f"{per_item[name]:.1f}" if name in per_item else "skipped"
                    for name in runs if name != "hand") + f" | {ratio} |")
    for line in lines:
        print(line)
    return lines


if __name__ == "__main__":
    main()
