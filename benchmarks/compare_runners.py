"""The steady-state cost of the out-of-order runners of two source trees, side by side.

:mod:`benchmarks.compare_trees` times the synchronous no-hooks path; this times the runners
that keep the out-of-order bookkeeping (:mod:`dataflow.execution.scheduler`), on a chain of
1,000 nodes: a thread pool of 1 worker (``MultiThreadingExecutor``), and the async driver over
plain and over ``async def`` nodes. Extract the old commit beside the current tree
(``git archive <commit> | tar -x -C /tmp/old``) and run, alternating a few times::

    .venv/bin/python -m benchmarks.compare_runners /tmp/old
    .venv/bin/python -m benchmarks.compare_runners .

Each figure is the best of 7 repeats of several runs, in ms per run of the whole chain.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

NODES = 1000


def async_chain(n: int) -> str:
    """``a0(x)``, ``a1(a0)``, ... every node an ``async def``."""
    lines = ["async def a0(x: int) -> int:\n    return x + 1\n"]
    lines += [f"async def a{i}(a{i - 1}: int) -> int:\n    return a{i - 1} + 1\n"
              for i in range(1, n)]
    return "\n".join(lines)


def best_ms(run: Callable[[], Any], per_repeat: int, repeats: int = 7) -> float:
    for _ in range(per_repeat):
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(per_repeat):
            run()
        times.append((time.perf_counter() - start) / per_repeat * 1e3)
    return min(times)


def main(root: str) -> str:
    sys.path.insert(0, str(Path(root).resolve()))
    for name in [m for m in sys.modules if m == "dataflow" or m.startswith("dataflow.")]:
        del sys.modules[name]
    from benchmarks import modules as generated
    from dataflow import async_driver, base, driver
    from dataflow.execution import executors

    directory = Path(tempfile.mkdtemp())
    source, names = generated.chain(NODES)
    chain = generated.load(directory, "runner_chain", source)
    achain = generated.load(directory, "runner_async_chain", async_chain(NODES))
    inputs = {"x": 1}

    pooled = (driver.Builder().with_modules(chain).with_adapters(base.DictResult())
              .enable_dynamic_execution(allow_experimental_mode=True)
              .with_local_executor(executors.MultiThreadingExecutor(1)).build())
    pool_ms = best_ms(lambda: pooled.execute(names, inputs=inputs), 5)

    loop = asyncio.new_event_loop()
    try:
        plain = async_driver.AsyncDriver({}, chain, result_builder=base.DictResult())
        plain_ms = best_ms(lambda: loop.run_until_complete(plain.execute(names, inputs=inputs)),
                           20)
        awaited = async_driver.AsyncDriver({}, achain, result_builder=base.DictResult())
        last = [f"a{NODES - 1}"]
        async_ms = best_ms(lambda: loop.run_until_complete(awaited.execute(last, inputs=inputs)),
                           20)
    finally:
        loop.close()
    return (f"{root}: chain {NODES:,}: thread pool (1) {pool_ms:.2f} ms; async driver, plain "
            f"nodes {plain_ms:.3f} ms; async driver, async nodes {async_ms:.3f} ms")


if __name__ == "__main__":
    print(main(sys.argv[1] if len(sys.argv) > 1 else "."))
