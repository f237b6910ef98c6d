"""Issue 8's speed targets after planning moved to the graph's run order (a few minutes): the
first call of a fresh driver on a 100,000 chain, its split into planning and running, the
steady states (chain and layered 10,000, 1 output of 10,000), the stall window, and the build
times beside Hamilton's, all in one run. Uses the scenario code of :mod:`benchmarks.run`;
prints a table with dataflow / hand and the load.

    .venv/bin/python -m benchmarks.first_call
    .venv/bin/python -m benchmarks.first_call --quick   # tiny sizes (the suite runs this)
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import modules, run


def planning_split(n: int, workdir: Path, repeats: int) -> list[run.Row]:
    """The first call of a 100,000 chain in its parts, in thread CPU time, each beside the
    first call of a freshly imported hand-written module (best of ``repeats``): planning
    (``plan_for``) and the first run over the plan (``run_slots``)."""
    from dataflow.execution.slots import run_slots
    from dataflow.plan import plan_for

    name = f"first call: chain {n:,} deep, in parts (thread CPU time)"
    hand_row, plan_row, run_row = (run.Row(name, "hand: first call"),
                                   run.Row(name, "planning"), run.Row(name, "first run"))
    source, outputs = modules.chain(n)
    graph = modules.load(workdir, "graph", source)
    dr = run._dataflow_build(graph)
    hands, plans, runs = [], [], []
    for _ in range(repeats):
        hand = modules.load(workdir, "hand", modules.hand_source(graph.__name__, source, outputs))
        gc.collect()
        start = time.thread_time()
        expected = hand.run(1)
        hands.append(time.thread_time() - start)
        start = time.thread_time()
        plan = plan_for(dr.graph, outputs, {"x"})
        plans.append(time.thread_time() - start)
        assert plan.arrays is not None
        start = time.thread_time()
        result = run_slots(plan, plan.arrays, {"x": 1})
        runs.append(time.thread_time() - start)
        if result != expected:
            raise AssertionError("dataflow computed different values than hand")
    for row, times in ((hand_row, hands), (plan_row, plans), (run_row, runs)):
        row.seconds["hand" if row is hand_row else "dataflow"] = min(times)
    plan_row.seconds["hand"] = run_row.seconds["hand"] = min(hands)
    run._forget(graph)
    return [plan_row, run_row]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke run)")
    args = parser.parse_args(argv)
    quick = args.quick
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    frameworks = ["hand", "dataflow"] + (["hamilton"] if run.hamilton_available() else [])
    chain_n, (layers, width), (count, depth) = ((200, (10, 10), (20, 5)) if quick
                                                else (10_000, (100, 100), (1000, 10)))
    long_chain, repeats = (1_000, 2) if quick else (100_000, 3)
    before = os.getloadavg()
    rows: list[run.Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        sys.path.insert(0, tmp)
        rows += run.first_call_scenario(long_chain, ["hand", "dataflow"], workdir, repeats)
        rows += planning_split(long_chain, workdir, repeats)
        source, outputs = modules.chain(chain_n)
        rows += run.scalar_scenario(f"scalar chain, {chain_n:,} deep", source, outputs,
                                    frameworks, workdir, repeats, chain_n)
        source, outputs = modules.layered(layers, width)
        rows += run.scalar_scenario(f"layered {layers} x {width}", source, outputs,
                                    frameworks, workdir, repeats, layers * width)
        source, _ = modules.chains(count, depth)
        rows += run.scalar_scenario(f"subset: 1 output of {count * depth:,} (needs {depth})",
                                    source, [f"c{count // 2}_{depth - 1}"], frameworks,
                                    workdir, repeats, depth)
        rows += run.stall_scenario(chain_n, run.STALL_RUNS if not quick else 20,
                                   ["hand", "dataflow"], workdir)
        sys.path.remove(tmp)
    after = os.getloadavg()
    print(f"load average (1, 5, 15 min): before {before}, after {after}")
    print("| scenario | metric | hand | dataflow | Hamilton | dataflow / hand | "
          "Hamilton / dataflow |\n|---|---|---|---|---|---|---|")
    for row in rows:
        if row.metric.startswith("execute per node"):
            continue
        hand, dataflow = row.seconds.get("hand"), row.seconds.get("dataflow")
        hamilton = row.seconds.get("hamilton")
        timed = row.unit in ("s", "us")
        print(f"| {row.scenario} | {row.metric} | {run._cell(hand, row.unit)} | "
              f"{run._cell(dataflow, row.unit)} | {run._cell(hamilton, row.unit)} | "
              f"{run._ratio(dataflow, hand) if timed else ''} | "
              f"{run._ratio(hamilton, dataflow) if timed else ''} |")


if __name__ == "__main__":
    main()
