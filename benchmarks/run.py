"""Run every benchmark scenario for dataflow, Apache Hamilton and hand-written calls.

    python -m benchmarks.run              # full run, writes benchmarks/results/latest.{md,json}
    python -m benchmarks.run --quick      # small sizes, a smoke run (well under a minute)
    python -m benchmarks.run --frameworks dataflow,hand --out /tmp/bench

All frameworks run in this one process on the same generated modules (see
:mod:`benchmarks.modules`), except the pandas feature scenario: there each framework runs in
its own subprocess so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import modules

HERE = Path(__file__).resolve().parent
FRAMEWORKS = ("hand", "dataflow", "hamilton")
WARM_UP = 40
"""Calls before "repeated" timing starts, for every framework and the hand-written code alike
(CPython specializes a function's bytecode only after it ran a few times)."""
COMPILED_BY = 5_000
"""dataflow compiles a reused plan a few steps after each run (``dataflow.execution.runner``):
its steady state is timed once the plan is compiled, or after this many calls."""
STALL_RUNS = 200
"""Consecutive executes after the first call in the stall scenario."""


@dataclass
class Sizes:
    chain: list[int]
    shallow: tuple[int, int]
    layered: tuple[int, int]
    subset: tuple[int, int]
    rows: int
    features: int
    parameterize: int
    extract: int
    repeats: int
    long_chain: int
    """First call on a fresh driver (dataflow and hand only: Hamilton's build takes seconds
    and its executor hits RecursionError from 2,000 deep)."""
    stall_chain: int

    @classmethod
    def full(cls) -> Sizes:
        return cls([2_000, 10_000], (40, 50), (100, 100), (1_000, 10), 1_000_000, 300,
                   5_000, 2_000, 3, 100_000, 10_000)

    @classmethod
    def quick(cls) -> Sizes:
        return cls([500], (10, 50), (20, 50), (100, 10), 20_000, 60, 500, 200, 2, 2_000, 500)


@dataclass
class Row:
    scenario: str
    metric: str
    seconds: dict[str, float | str] = field(default_factory=dict)
    """framework -> seconds, or a string explaining why there is no number."""
    unit: str = "s"


# -- frameworks --------------------------------------------------------------------------------

def _dataflow_build(module: types.ModuleType, result: str = "dict") -> Any:
    from dataflow import base, driver

    builder = base.DictResult() if result == "dict" else base.PandasDataFrameResult()
    return driver.Builder().with_modules(module).with_adapters(builder).build()


def _hamilton_build(module: types.ModuleType, result: str = "dict") -> Any:
    from hamilton import base, driver

    builder = base.DictResult() if result == "dict" else base.PandasDataFrameResult()
    return driver.Builder().with_modules(module).with_adapters(builder).build()


BUILDERS: dict[str, Callable[..., Any]] = {"dataflow": _dataflow_build,
                                          "hamilton": _hamilton_build}


def hamilton_available() -> bool:
    try:
        import hamilton.driver  # noqa: F401
    except ImportError:
        return False
    return True


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _per_call(fn: Callable[[], Any], batch: int) -> float:
    """Seconds per call of ``fn``, timed over ``batch`` calls in a row."""
    start = time.perf_counter()
    for _ in range(batch):
        fn()
    return (time.perf_counter() - start) / batch


def _best(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeats):
        gc.collect()
        seconds, value = _timed(fn)
        times.append(seconds)
    return min(times), value


def _failure(error: BaseException) -> str:
    return f"failed ({type(error).__name__})"


def _dataflow_compiled(dr: Any) -> bool:
    """Whether every plan a dataflow driver cached runs as compiled code."""
    runners = dr.plan_cache.cached_values() if hasattr(dr, "plan_cache") else []
    return all(getattr(r, "runner", True) is not None for r in runners)


def _warm_up(framework: str, dr: Any, request: Callable[[], Any]) -> int:
    """Run ``request`` WARM_UP times, and for dataflow on until its plan is compiled; the
    number of calls made."""
    calls = 0
    while calls < WARM_UP or (framework == "dataflow" and not _dataflow_compiled(dr)
                              and calls < COMPILED_BY):
        request()
        calls += 1
    return calls


# -- scalar scenarios --------------------------------------------------------------------------

def scalar_scenario(name: str, source: str, outputs: list[str], frameworks: list[str],
                    workdir: Path, repeats: int, nodes_run: int) -> list[Row]:
    """Build and execute time of a scalar graph; the hand-written run computes the same
    outputs with direct calls. ``nodes_run`` is how many functions the request needs."""
    graph = modules.load(workdir, "graph", source)
    build = Row(name, "build")
    first = Row(name, "execute, first call")
    again = Row(name, "execute, steady state (median)")
    per_node = Row(name, "execute per node (steady state)", unit="us")
    warm = Row(name, "calls before the steady state (warm-up)", unit="calls")
    timed_runs = max(repeats, 9) if nodes_run > 1000 else 51
    batch = 200 if nodes_run <= 100 else 1  # a call of a few us: time 200 calls per sample
    expected: Any = None
    if "hand" in frameworks:
        hand = modules.load(workdir, "hand", modules.hand_source(graph.__name__, source, outputs))
        first.seconds["hand"], expected = _timed(lambda: hand.run(1))
        warm.seconds["hand"] = float(_warm_up("hand", None, lambda: hand.run(1)))
        runs = [_per_call(lambda: hand.run(1), batch) for _ in range(timed_runs)]
        median = statistics.median(runs)
        again.seconds["hand"], per_node.seconds["hand"] = median, median / nodes_run * 1e6
    for framework in frameworks:
        if framework == "hand":
            continue
        try:
            build.seconds[framework], dr = _best(partial(BUILDERS[framework], graph), repeats)
        except (RecursionError, Exception) as error:
            for row in (build, first, again, per_node, warm):
                row.seconds[framework] = _failure(error)
            continue
        try:
            request = partial(dr.execute, outputs, inputs={"x": 1})
            first.seconds[framework], result = _timed(request)
            if expected is not None and result != expected:
                raise AssertionError(f"{framework} computed different values than hand")
            warm.seconds[framework] = float(_warm_up(framework, dr, request))
            runs = [_per_call(request, batch) for _ in range(timed_runs)]
            median = statistics.median(runs)
            again.seconds[framework] = median
            per_node.seconds[framework] = median / nodes_run * 1e6
        except (RecursionError, Exception) as error:
            for row in (first, again, per_node, warm):
                row.seconds[framework] = _failure(error)
        del dr
    for loaded in [m for m in sys.modules if m.startswith((graph.__name__, "hand_"))]:
        del sys.modules[loaded]  # later scenarios start from a clean process state
    gc.collect()
    return [build, first, again, per_node, warm]


def _forget(graph: types.ModuleType) -> None:
    for loaded in [m for m in sys.modules if m.startswith((graph.__name__, "hand_"))]:
        del sys.modules[loaded]
    gc.collect()


def first_call_scenario(n: int, frameworks: list[str], workdir: Path,
                        repeats: int) -> list[Row]:
    """The first call of a fresh driver on a chain ``n`` deep (planning included; the build is
    its own row), against the first call of a freshly imported hand-written module; best of
    ``repeats`` fresh drivers / modules."""
    name = f"first call: chain {n:,} deep"
    build, first = Row(name, "build"), Row(name, "execute, first call (best of fresh ones)")
    source, outputs = modules.chain(n)
    graph = modules.load(workdir, "graph", source)
    expected: Any = None
    if "hand" in frameworks:
        times = []
        for _ in range(repeats):
            hand = modules.load(workdir, "hand",
                                modules.hand_source(graph.__name__, source, outputs))
            gc.collect()
            seconds, expected = _timed(lambda: hand.run(1))  # noqa: B023 - called at once
            times.append(seconds)
        first.seconds["hand"] = min(times)
    if "dataflow" in frameworks:
        builds, times = [], []
        for _ in range(repeats):
            gc.collect()
            seconds, dr = _timed(partial(_dataflow_build, graph))
            builds.append(seconds)
            gc.collect()
            seconds, result = _timed(partial(dr.execute, outputs, inputs={"x": 1}))
            times.append(seconds)
            if expected is not None and result != expected:
                raise AssertionError("dataflow computed different values than hand")
            del dr
        build.seconds["dataflow"], first.seconds["dataflow"] = min(builds), min(times)
    if "hamilton" in frameworks:
        for row in (build, first):
            row.seconds["hamilton"] = "not run (RecursionError from 2,000 deep)"
    _forget(graph)
    return [build, first]


def stall_scenario(n: int, runs: int, frameworks: list[str], workdir: Path) -> list[Row]:
    """A fresh driver's first call, then ``runs`` consecutive executes: their median, their
    slowest, slowest / median, and how many of them ran before the plan was all compiled. The
    hand-written module's figures are the machine's own jitter."""
    name = f"stall: chain {n:,} deep, {runs} executes after the first"
    median_row = Row(name, f"median of {runs}")
    slowest = Row(name, f"slowest of {runs}")
    ratio = Row(name, "slowest / median", unit="x")
    compiled_at = Row(name, "executes before the plan ran all compiled", unit="calls")
    source, outputs = modules.chain(n)
    graph = modules.load(workdir, "graph", source)
    calls: dict[str, Callable[[], Any]] = {}
    if "hand" in frameworks:
        hand = modules.load(workdir, "hand", modules.hand_source(graph.__name__, source, outputs))
        calls["hand"] = lambda: hand.run(1)
    dr: Any = None
    if "dataflow" in frameworks:
        dr = _dataflow_build(graph)
        calls["dataflow"] = partial(dr.execute, outputs, inputs={"x": 1})
    for framework, call in calls.items():
        gc.collect()
        call()  # the first call: plans (dataflow); reported by the first-call scenarios
        times, switched = [], None
        for index in range(runs):
            times.append(_timed(call)[0])
            if framework == "dataflow" and switched is None and _dataflow_compiled(dr):
                switched = index + 1
        median = statistics.median(times)
        median_row.seconds[framework], slowest.seconds[framework] = median, max(times)
        ratio.seconds[framework] = max(times) / median
        if framework == "dataflow":
            compiled_at.seconds[framework] = (float(switched) if switched is not None
                                              else f"not within {runs}")
    if "hamilton" in frameworks:
        for row in (median_row, slowest, ratio):
            row.seconds["hamilton"] = "not run (RecursionError from 2,000 deep)"
    _forget(graph)
    return [median_row, slowest, ratio, compiled_at]


# -- pandas features (each framework in a subprocess) ------------------------------------------

def features_child(framework: str, rows: int, n_features: int, workdir: Path,
                   runs: int) -> dict[str, Any]:
    """Runs in its own process: build, execute ``runs`` times, report times and peak RSS."""
    import numpy as np
    import pandas as pd
    import psutil

    source, outputs = modules.features(10, n_features)
    graph = modules.load(workdir, "features", source)
    if framework == "hamilton":
        import hamilton.driver  # noqa: F401 - import cost is not part of the measurement
    rng = np.random.default_rng(0)
    inputs = {f"c{i}": pd.Series(rng.random(rows)) for i in range(10)}
    gc.collect()
    baseline = psutil.Process().memory_info().rss
    build = 0.0
    if framework == "hand":
        hand = modules.load(workdir, "hand_features",
                            modules.hand_features_source(graph.__name__, source, outputs))
        run: Callable[[], Any] = lambda: hand.run(inputs)  # noqa: E731
    else:
        build, dr = _timed(lambda: BUILDERS[framework](graph, result="frame"))
        run = lambda: dr.execute(outputs, inputs=inputs)  # noqa: E731
    # The first run in a fresh process pays the kernel's first-touch page faults for every new
    # array (seconds at 1M rows, and noisy); later runs reuse the freed memory. Report both.
    times = []
    for _ in range(runs):
        gc.collect()
        seconds, frame = _timed(run)
        times.append(seconds)
        # column by column: frame.to_numpy() would copy the whole frame and double the peak
        shape, checksum = list(frame.shape), sum(float(frame[c].sum()) for c in frame)
        del frame
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"first": times[0], "best": min(times), "build": build, "peak_rss": peak,
            "baseline_rss": baseline, "shape": shape, "checksum": checksum}


def features_scenario(sizes: Sizes, frameworks: list[str]) -> list[Row]:
    name = f"pandas features ({sizes.rows:,} rows, 10 inputs -> {sizes.features} features)"
    first_row = Row(name, "execute -> wide DataFrame, first run in process")
    time_row = Row(name, f"execute -> wide DataFrame, best of {sizes.repeats}")
    peak_row = Row(name, "peak RSS", unit="MB")
    work_row = Row(name, "peak RSS above inputs", unit="MB")
    checksums = {}

    def child(framework: str, runs: int) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "benchmarks.run", "--child-features", framework,
                   "--rows", str(sizes.rows), "--features", str(sizes.features),
                   "--runs", str(runs)]
        return subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent,
                              check=False)

    # Unreported warm-up, one run per framework: in a VM the first process to touch gigabytes
    # of never-used guest memory pays the host's page faults (seconds), so whichever framework
    # first reached a new peak would carry them in its "first run" figure.
    for framework in frameworks:
        child(framework, 1)
    for framework in frameworks:
        done = child(framework, sizes.repeats)
        if done.returncode != 0:
            message = f"failed ({done.stderr.strip().splitlines()[-1][:60]})"
            for row in (first_row, time_row, peak_row, work_row):
                row.seconds[framework] = message
            continue
        facts = json.loads(done.stdout.strip().splitlines()[-1])
        checksums[framework] = round(facts["checksum"], 3)
        first_row.seconds[framework] = facts["first"]
        time_row.seconds[framework] = facts["best"]
        peak_row.seconds[framework] = facts["peak_rss"] / 2**20
        work_row.seconds[framework] = (facts["peak_rss"] - facts["baseline_rss"]) / 2**20
    if len(set(checksums.values())) > 1:
        raise AssertionError(f"feature frames differ between frameworks: {checksums}")
    return [first_row, time_row, peak_row, work_row]


# -- decorators --------------------------------------------------------------------------------

def decorator_scenario(sizes: Sizes, frameworks: list[str], workdir: Path) -> list[Row]:
    import dataflow.function_modifiers as fm

    if not all(hasattr(fm, n) for n in ("parameterize", "extract_columns", "check_output")):
        return [Row("decorators", "build", {"dataflow": "not available yet"})]
    rows = []
    cases = [
        (f"@parameterize into {sizes.parameterize:,} nodes",
         lambda root: modules.parameterized(root, sizes.parameterize)),
        (f"@extract_columns of {sizes.extract:,} columns + @check_output on each",
         lambda root: modules.extracted(root, sizes.extract)),
    ]
    for title, source_for in cases:
        row = Row(title, "build")
        for framework in frameworks:
            if framework == "hand":
                continue
            root = "dataflow" if framework == "dataflow" else "hamilton"
            try:
                module = modules.load(workdir, "decorated", source_for(root))
                row.seconds[framework], _ = _best(partial(BUILDERS[framework], module),
                                                  sizes.repeats)
            except Exception as error:
                row.seconds[framework] = _failure(error)
        rows.append(row)
    return rows


# -- report ------------------------------------------------------------------------------------

def _cell(value: float | str | None, unit: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if unit == "s":
        return f"{value * 1e3:,.2f} ms" if value < 10 else f"{value:,.1f} s"
    if unit == "us":
        return f"{value:,.2f} us"
    if unit == "x":
        return f"{value:,.2f}x"
    if unit == "calls":
        return f"{value:,.0f}"
    return f"{value:,.0f} {unit}"


def _ratio(a: float | str | None, b: float | str | None) -> str:
    if isinstance(a, float) and isinstance(b, float) and b > 0:
        return f"{a / b:.2f}x"
    return "-"


def table(rows: list[Row]) -> str:
    head = ("| scenario | metric | hand | dataflow | hamilton | dataflow/hand | hamilton/hand "
            "| hamilton/dataflow |")
    lines = [head, "|" + "---|" * 8]
    for r in rows:
        s = r.seconds
        if r.unit in ("x", "calls"):  # not times: no ratios of them
            s = {k: v for k, v in s.items()}
            lines.append(
                f"| {r.scenario} | {r.metric} | {_cell(s.get('hand'), r.unit)} "
                f"| {_cell(s.get('dataflow'), r.unit)} | {_cell(s.get('hamilton'), r.unit)} "
                "| - | - | - |")
            continue
        lines.append(
            f"| {r.scenario} | {r.metric} | {_cell(s.get('hand'), r.unit)} "
            f"| {_cell(s.get('dataflow'), r.unit)} | {_cell(s.get('hamilton'), r.unit)} "
            f"| {_ratio(s.get('dataflow'), s.get('hand'))} "
            f"| {_ratio(s.get('hamilton'), s.get('hand'))} "
            f"| {_ratio(s.get('hamilton'), s.get('dataflow'))} |")
    return "\n".join(lines)


def machine() -> str:
    import pandas as pd

    versions = [f"Python {platform.python_version()}", f"pandas {pd.__version__}"]
    try:
        from importlib.metadata import version

        versions.append(f"apache-hamilton {version('apache-hamilton')}")
    except Exception:
        versions.append("apache-hamilton not installed")
    return (f"{platform.platform()}, {os.cpu_count()} CPUs, {platform.processor() or 'cpu?'}; "
            + ", ".join(versions))


def run_all(sizes: Sizes, frameworks: list[str], out: Path, quick: bool) -> list[Row]:
    rows: list[Row] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        sys.path.insert(0, tmp)
        for n in sizes.chain:
            source, outputs = modules.chain(n)
            rows += scalar_scenario(f"scalar chain, {n:,} deep", source, outputs, frameworks,
                                    workdir, sizes.repeats, n)
        count, depth = sizes.shallow
        source, outputs = modules.chains(count, depth)
        rows += scalar_scenario(f"wide-shallow: {count} chains x {depth} = {count * depth:,}",
                                source, outputs, frameworks, workdir, sizes.repeats,
                                count * depth)
        layers, width = sizes.layered
        source, outputs = modules.layered(layers, width)
        rows += scalar_scenario(f"layered {layers} x {width} = {layers * width:,}", source,
                                outputs, frameworks, workdir, sizes.repeats, layers * width)
        count, depth = sizes.subset
        source, _ = modules.chains(count, depth)
        rows += scalar_scenario(f"subset: 1 output of {count * depth:,} nodes (needs {depth})",
                                source, [f"c{count // 2}_{depth - 1}"], frameworks, workdir,
                                sizes.repeats, depth)
        rows += first_call_scenario(sizes.long_chain, frameworks, workdir, sizes.repeats)
        rows += stall_scenario(sizes.stall_chain, STALL_RUNS if not quick else 50, frameworks,
                               workdir)
        sys.path.remove(tmp)
        rows += decorator_scenario(sizes, frameworks, workdir)
    rows += features_scenario(sizes, frameworks)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = "python -m benchmarks.run" + (" --quick" if quick else "")
    report = (f"# Benchmark results\n\n- date: {stamp}\n- machine: {machine()}\n"
              f"- command: `{command} --frameworks {','.join(frameworks)}`\n\n"
              f"{table(rows)}\n")
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.md").write_text(report)
    (out / "latest.json").write_text(json.dumps(
        {"date": stamp, "machine": machine(), "quick": quick,
         "rows": [r.__dict__ for r in rows]}, indent=1))
    print(report)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="dataflow vs Hamilton vs hand-written")
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--child-features", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=Sizes.full().rows)
    parser.add_argument("--features", type=int, default=Sizes.full().features)
    parser.add_argument("--runs", type=int, default=Sizes.full().repeats)
    args = parser.parse_args(argv)
    if args.child_features:
        with tempfile.TemporaryDirectory() as tmp:
            sys.path.insert(0, tmp)
            print(json.dumps(features_child(args.child_features, args.rows, args.features,
                                            Path(tmp), args.runs)))
        return
    frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    unknown = sorted(set(frameworks) - set(FRAMEWORKS))
    if unknown:
        parser.error(f"unknown framework(s) {unknown}; choose from {', '.join(FRAMEWORKS)}")
    if "hamilton" in frameworks and not hamilton_available():
        print("apache-hamilton is not installed (pip install apache-hamilton==1.90.0); "
              "running without it")
        frameworks.remove("hamilton")
    sizes = Sizes.quick() if args.quick else Sizes.full()
    run_all(sizes, frameworks, Path(args.out), args.quick)


if __name__ == "__main__":
    main()
