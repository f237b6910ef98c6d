"""A fan-out block reading a value from outside it (importable by name on Ray workers)."""

from __future__ import annotations

from dataflow.htypes import Collect, Parallelizable
from tests.engines.ray_nodes import Counted


def numbers(n: int) -> Parallelizable[int]:
    yield from range(n)


def scaled(numbers: int, big: Counted) -> int:
    return numbers * big.payload[1]


def scaled_total(scaled: Collect[int]) -> int:
    return sum(scaled)
