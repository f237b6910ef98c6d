"""Adapters whose worker copies report back, at module level so worker processes can unpickle
them."""

from __future__ import annotations

import os
from typing import Any

from dataflow.lifecycle import NodeExecutionHook


class WorkerPids(NodeExecutionHook):
    """Collects, in the caller, which process ran each node."""

    def __init__(self) -> None:
        self.ran_in: dict[str, int] = {}
        self._pending: list[tuple[str, int]] = []

    def run_before_node_execution(self, **future_kwargs: Any) -> None:
        pass

    def run_after_node_execution(self, *, node_name: str, **future_kwargs: Any) -> None:
        self._pending.append((node_name, os.getpid()))

    def report_to_caller(self) -> list[tuple[str, int]]:
        pending, self._pending = self._pending, []
        return pending

    def receive_from_worker(self, report: list[tuple[str, int]]) -> None:
        self.ran_in.update(report)


class RefusesReports(WorkerPids):
    def receive_from_worker(self, report: list[tuple[str, int]]) -> None:
        raise RuntimeError("cannot take a report")
