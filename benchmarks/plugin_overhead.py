"""What the watching plugins cost per node: ``python -m benchmarks.plugin_overhead``.

A chain of 1,000 trivial nodes on the synchronous driver, executed with no adapter, with a
no-op node hook (the cost of having node hooks at all), and with each plugin of ``plugins/``
(bars writing to a StringIO, the logger above its level); then 40 independent nodes on
``MultiProcessingExecutor(2)`` without and with ``NodeTimer`` (its workers report back). Each
figure is the best of 7 repeats, in ms per run; the per-node figure is over the no-adapter run.
"""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.compare_runners import best_ms
from benchmarks.modules import chain, load

NODES = 1000


def _runner(dr: Any, names: list[str]) -> Callable[[], Any]:
    return lambda: dr.execute(names, inputs={"x": 1})


def main() -> str:
    from rich.console import Console

    from dataflow import driver
    from dataflow.execution import executors
    from dataflow.lifecycle import NodeExecutionHook
    from plugins.h_logging import LoggingAdapter
    from plugins.h_rich import RichProgressBar
    from plugins.h_timing import NodeTimer
    from plugins.h_tqdm import ProgressBar

    class NoOp(NodeExecutionHook):
        def run_before_node_execution(self, **future_kwargs: Any) -> None:
            pass

        def run_after_node_execution(self, **future_kwargs: Any) -> None:
            pass

    logging.getLogger("benchmarks.quiet").setLevel(logging.WARNING)
    lines = []
    with tempfile.TemporaryDirectory() as directory:
        source, outputs = chain(NODES)
        chained = load(Path(directory), "chain", source)
        adapters: list[tuple[str, list[Any]]] = [
            ("no adapter", []), ("no-op node hook", [NoOp()]), ("NodeTimer", [NodeTimer()]),
            ("LoggingAdapter (logger at WARNING)", [LoggingAdapter("benchmarks.quiet")]),
            ("ProgressBar (to a StringIO)", [ProgressBar(file=io.StringIO())]),
            ("RichProgressBar (to a StringIO)",
             [RichProgressBar(console=Console(file=io.StringIO()))]),
        ]
        base = 0.0
        for label, chosen in adapters:
            dr = driver.Builder().with_modules(chained).with_adapters(*chosen).build()
            ms = best_ms(_runner(dr, outputs), per_repeat=5)
            base = base or ms
            lines.append(f"{NODES}-node chain, {label}: {ms:.2f} ms "
                         f"(+{(ms - base) * 1e3 / NODES:.1f} µs/node)")
        wide = load(Path(directory), "wide", "\n".join(
            f"def w{i}(x: int) -> int:\n    return x + {i}\n" for i in range(40)))
        for label, chosen in [("no adapter", []), ("NodeTimer", [NodeTimer()])]:
            dr = (driver.Builder().with_modules(wide).with_adapters(*chosen)
                  .enable_dynamic_execution(allow_experimental_mode=True)
                  .with_local_executor(executors.MultiProcessingExecutor(2)).build())
            names = [f"w{i}" for i in range(40)]
            ms = best_ms(_runner(dr, names), per_repeat=1)
            lines.append(f"40 independent nodes on MultiProcessingExecutor(2), {label}: "
                         f"{ms:.1f} ms")
    return "\n".join(lines)


if __name__ == "__main__":
    print(main())
