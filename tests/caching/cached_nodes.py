"""Module-level nodes for the caching tests that run on worker processes or in subprocesses
(they must import by name). Each call appends a line to the file named by ``$CALL_LOG``."""

from __future__ import annotations

import os
import time

from dataflow.htypes import Collect, Parallelizable


def _log(name: str) -> None:
    path = os.environ.get("CALL_LOG")
    if path:
        with open(path, "a") as handle:
            handle.write(f"{name}\n")


def seed(start: int) -> int:
    _log("seed")
    return start + 1


def left(seed: int) -> list[int]:
    _log("left")
    time.sleep(float(os.environ.get("NODE_SLEEP", "0")))
    return [seed] * 1000


def right(seed: int) -> dict[str, int]:
    _log("right")
    time.sleep(float(os.environ.get("NODE_SLEEP", "0")))
    return {"seed": seed * 3}


def total(left: list[int], right: dict[str, int]) -> int:
    _log("total")
    return sum(left) + right["seed"]


def items(seed: int) -> Parallelizable[int]:
    _log("items")
    yield from range(seed)


def squared(items: int) -> int:
    _log("squared")
    return items * items


def summed(squared: Collect[int]) -> int:
    _log("summed")
    return sum(squared)


async def fetched(seed: int) -> int:
    _log("fetched")
    return seed * 100
