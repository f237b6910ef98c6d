"""The per-request overhead and build time of two source trees of dataflow, side by side.

For checking that a change did not slow the hot paths: check the old commit out beside the
current tree (``git worktree add /tmp/old <commit>``) and run, alternating a few times::

    .venv/bin/python -m benchmarks.compare_trees /tmp/old
    .venv/bin/python -m benchmarks.compare_trees .

Each run imports ``dataflow`` from the given tree (first on ``sys.path``) and prints: the
steady-state cost of one ``execute`` of 1 output needing 10 nodes of a 10,000-node graph, and
the build time and steady-state execute time of a 2,000-deep chain (best of several repeats).
"""

from __future__ import annotations

import sys
import tempfile
import time
import types
from pathlib import Path


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
    return (f"{root}: subset execute {min(per_request):.2f} us; chain 2,000 build "
            f"{min(builds):.2f} ms; chain 2,000 steady execute {min(runs):.3f} ms")


if __name__ == "__main__":
    print(main(sys.argv[1] if len(sys.argv) > 1 else "."))
