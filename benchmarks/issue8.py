"""Only the three figures of issue 8 that took a second pass, hand and dataflow in one run
(about a minute): 1 output of a 10,000-node graph (steady state), the first call of a fresh
driver on a 100,000 chain, and the stall window of 200 executes on a 10,000 chain. Uses the
scenario code of :mod:`benchmarks.run`; prints a table with dataflow / hand and the load.

    .venv/bin/python -m benchmarks.issue8
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from benchmarks import modules, run


def main() -> None:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    frameworks = ["hand", "dataflow"]
    before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        sys.path.insert(0, tmp)
        source, _ = modules.chains(1000, 10)
        rows = run.scalar_scenario("subset: 1 output of 10,000 nodes (needs 10)", source,
                                   ["c500_9"], frameworks, workdir, 3, 10)
        rows = [row for row in rows if row.metric != "build"]
        rows += run.first_call_scenario(100_000, frameworks, workdir, 3)
        rows += run.stall_scenario(10_000, run.STALL_RUNS, frameworks, workdir)
        sys.path.remove(tmp)
    after = os.getloadavg()
    print(f"load average (1, 5, 15 min): before {before}, after {after}")
    print("| scenario | metric | hand | dataflow | dataflow / hand |\n|---|---|---|---|---|")
    for row in rows:
        hand, dataflow = row.seconds.get("hand"), row.seconds.get("dataflow")
        ratio = run._ratio(dataflow, hand) if row.unit in ("s", "us") else ""
        print(f"| {row.scenario} | {row.metric} | {run._cell(hand, row.unit)} | "
              f"{run._cell(dataflow, row.unit)} | {ratio} |")


if __name__ == "__main__":
    main()
