"""Runs that once hung or failed obscurely on worker processes, one per scenario, run by
``python -m tests.execution.worker_failures SCENARIO`` in a process of its own (so a hang is a
timeout, not a blocked suite). Prints one JSON line: what the run raised (type, text, notes)
or returned. Nodes and adapters are at module level so worker processes can unpickle them."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from typing import Any

from dataflow.htypes import Collect, Parallelizable
from dataflow.lifecycle import NodeExecutionHook


def short(start: float) -> float:
    time.sleep(0.05)
    return start + 1


def long(start: float) -> float:
    time.sleep(0.5)
    return start * 2


def joined(short: float, long: float) -> float:
    return short + long


def items(start: float) -> Parallelizable[int]:
    yield from range(4)


def per_item(items: int, start: float) -> float:
    time.sleep(0.05)
    return items * start


def gathered(per_item: Collect[float]) -> float:
    return sum(per_item)


def exits(start: float) -> float:
    os._exit(3)


def killed(start: float) -> float:
    os.kill(os.getpid(), signal.SIGKILL)
    return start


class TwoArguments(Exception):
    """Passes only its first argument on to Exception: unpickling it calls
    ``TwoArguments(message)``, which fails."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def raises_two_arguments(start: float) -> float:
    raise TwoArguments("no quote for the day", 42)


class HoldsALock(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


def raises_holding_a_lock(start: float) -> float:
    raise HoldsALock("the ledger is busy")


def returns_two_arguments(start: float) -> TwoArguments:
    """A value that pickles in the worker but cannot be unpickled in the caller."""
    return TwoArguments("a value this time", 7)


def touch(marker: str) -> str:
    with open(marker, "w") as file:
        file.write("ran")
    return marker


def reads_anything(anything: object, touch: str) -> str:
    return touch


class Reporting(NodeExecutionHook):
    """Sends back, from each worker, the nodes it ran."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self._pending: list[str] = []

    def run_before_node_execution(self, **future_kwargs: Any) -> None:
        pass

    def run_after_node_execution(self, *, node_name: str, **future_kwargs: Any) -> None:
        self._pending.append(node_name)

    def report_to_caller(self) -> Any:
        pending, self._pending = self._pending, []
        return pending

    def receive_from_worker(self, report: Any) -> None:
        self.received.extend(report)


class Refusing(Reporting):
    def receive_from_worker(self, report: Any) -> None:
        raise RuntimeError("this adapter takes no report")


class RefusingAt(Reporting):
    """Refuses the reports that name one of ``nodes``."""

    def __init__(self, nodes: frozenset[str]) -> None:
        super().__init__()
        self.nodes = nodes

    def receive_from_worker(self, report: Any) -> None:
        if self.nodes.intersection(report):
            raise RuntimeError(f"refused a report on {sorted(self.nodes.intersection(report))}")
        super().receive_from_worker(report)


class UnpicklableReport(Reporting):
    def report_to_caller(self) -> Any:
        return lambda: None


class Quiet(NodeExecutionHook):
    def run_before_node_execution(self, **future_kwargs: Any) -> None:
        pass

    def run_after_node_execution(self, **future_kwargs: Any) -> None:
        pass


def _driver(adapter: Any = None, remote: bool = False) -> Any:
    from dataflow import driver
    from dataflow.execution import executors

    builder = (driver.Builder().with_modules(sys.modules[__name__])
               .enable_dynamic_execution(allow_experimental_mode=True)
               .with_local_executor(executors.MultiProcessingExecutor(2)))
    if remote:
        builder = builder.with_remote_executor(executors.MultiProcessingExecutor(2))
    if adapter is not None:
        builder = builder.with_adapters(adapter)
    return builder.build()


SCENARIOS = {
    # an adapter refuses the report of 'short' while 'long' still runs
    "refused_report": lambda: _driver(Refusing()).execute(["joined"], inputs={"start": 1.0}),
    "refused_report_fanout": lambda: _driver(Refusing(), remote=True).execute(
        ["gathered", "joined"], inputs={"start": 1.0}),
    "unpicklable_report": lambda: _driver(UnpicklableReport()).execute(
        ["joined"], inputs={"start": 1.0}),
    "unpicklable_override": lambda: _driver(Quiet()).execute(
        ["joined", "touch"], inputs={"start": 1.0, "marker": sys.argv[2]},
        overrides={"short": lambda: None}),
    "unpicklable_input_fanout": lambda: _driver(Reporting(), remote=True).execute(
        ["gathered", "reads_anything"],
        inputs={"start": 1.0, "marker": sys.argv[2], "anything": lambda: None}),
    "unpicklable_override_in_block": lambda: _driver(Quiet(), remote=True).execute(
        ["gathered", "touch"], inputs={"marker": sys.argv[2]},
        overrides={"start": lambda: None}),
    "exits": lambda: _driver(Reporting()).execute(["exits", "joined"], inputs={"start": 1.0}),
    "killed": lambda: _driver().execute(["killed", "long"], inputs={"start": 1.0}),
    "two_arguments": lambda: _driver(Reporting()).execute(
        ["raises_two_arguments", "long"], inputs={"start": 1.0}),
    "holding_a_lock": lambda: _driver().execute(["raises_holding_a_lock"],
                                                inputs={"start": 1.0}),
    "value_two_arguments": lambda: _driver().execute(["returns_two_arguments"],
                                                     inputs={"start": 1.0}),
}


def main() -> None:
    started = time.monotonic()
    outcome: dict[str, Any]
    try:
        outcome = {"returned": repr(SCENARIOS[sys.argv[1]]())}
    except BaseException as error:
        outcome = {"raised": type(error).__name__, "message": str(error),
                   "notes": [str(note) for note in getattr(error, "__notes__", [])],
                   "cause": str(error.__cause__) if error.__cause__ is not None else None}
    outcome["seconds"] = time.monotonic() - started
    print(json.dumps(outcome), flush=True)


if __name__ == "__main__":  # run by its own name, so that workers unpickle the same module
    from tests.execution import worker_failures

    worker_failures.main()
