"""The per-request overhead and build time of two source trees of dataflow, side by side.

For checking that a change did not slow the hot paths: check the old commit out beside the
current tree (``git worktree add /tmp/old <commit>``) and run, alternating a few times::

    .venv/bin/python -m benchmarks.compare_trees /tmp/old
    .venv/bin/python -m benchmarks.compare_trees .

``--issue-8`` adds the figures of issue 8's speed targets (a minute or two per tree).

Each run imports ``dataflow`` from the given tree (first on ``sys.path``) and prints: the
steady-state cost of one ``execute`` of 1 output needing 10 nodes of a 10,000-node graph, and
the build time and steady-state execute time of a 2,000-deep chain (best of several repeats).
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any


def main(root: str) -> str:
    sys.path.insert(0, str(Path(root).resolve()))
    for name in [m for m in sys.modules if m == "dataflow" or m.startswith("dataflow.")]:
        del sys.modules[name]
    from benchmarks import modules as generated
    from dataflow import base, driver

    directory = Path(tempfile.mkdtemp())

    def build(module: types.ModuleType) -> driver.Driver:
        return driver.Builder().with_modules(module).with_adapters(base.DictResult()).build()

    source, names = generated.chains(1000, 10)
    subset = build(generated.load(directory, "subset_graph", source))
    target = names[9]
    inputs = {name: 1 for name in subset.inputs_needed([target])}
    for _ in range(100):
        subset.execute([target], inputs=inputs)
    per_request = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(2000):
            subset.execute([target], inputs=inputs)
        per_request.append((time.perf_counter() - start) / 2000 * 1e6)

    source, names = generated.chain(2000)
    chain_module = generated.load(directory, "chain_graph", source)
    builds = []
    for _ in range(5):
        start = time.perf_counter()
        chain = build(chain_module)
        builds.append((time.perf_counter() - start) * 1e3)
    chain_inputs = {name: 1 for name in chain.inputs_needed([names[-1]])}
    for _ in range(60):
        chain.execute([names[-1]], inputs=chain_inputs)
    runs = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(50):
            chain.execute([names[-1]], inputs=chain_inputs)
        runs.append((time.perf_counter() - start) / 50 * 1e3)
    report = (f"{root}: subset execute {min(per_request):.2f} us; chain 2,000 build "
              f"{min(builds):.2f} ms; chain 2,000 steady execute {min(runs):.3f} ms")
    if "--issue-8" in sys.argv:
        report += "; " + _issue_8(directory, build)
    return report


def _issue_8(directory: Path, build: Callable[[types.ModuleType], Any]) -> str:
    """The figures of issue 8's speed targets (absolute times; the tree's own code only):
    steady state of the 10,000 chain and layered graphs (after 600 calls, past either tree's
    compile), the first call of a fresh driver on a 100,000 chain (best of 3), and the slowest
    / median of 200 executes after the first on a fresh 10,000-chain driver."""
    from benchmarks import modules as generated

    def steady(source: str, names: list[str]) -> float:
        dr = build(generated.load(directory, "steady_graph", source))
        for _ in range(600):
            dr.execute(names, inputs={"x": 1})
        runs = []
        for _ in range(21):
            start = time.perf_counter()
            dr.execute(names, inputs={"x": 1})
            runs.append(time.perf_counter() - start)
        return statistics.median(runs) * 1e3

    chain = steady(*generated.chain(10_000))
    layered = steady(*generated.layered(100, 100))
    source, names = generated.chain(100_000)
    module = generated.load(directory, "long_chain", source)
    firsts = []
    for _ in range(3):
        dr = build(module)
        gc.collect()
        start = time.perf_counter()
        dr.execute(names, inputs={"x": 1})
        firsts.append(time.perf_counter() - start)
        del dr
    source, names = generated.chain(10_000)
    dr = build(generated.load(directory, "stall_chain", source))
    dr.execute(names, inputs={"x": 1})
    times = []
    for _ in range(200):
        start = time.perf_counter()
        dr.execute(names, inputs={"x": 1})
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return (f"chain 10,000 steady {chain:.3f} ms; layered 10,000 steady {layered:.3f} ms; "
            f"chain 100,000 first call {min(firsts) * 1e3:.1f} ms; stall (chain 10,000, 200 "
            f"after the first) median {median * 1e3:.2f} ms, slowest {max(times) * 1e3:.2f} ms, "
            f"{max(times) / median:.1f}x")


if __name__ == "__main__":
    trees = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    print(main(trees[0] if trees else "."))
