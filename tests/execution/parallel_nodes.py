"""Node functions for the parallel-executor tests, at module level so worker processes can
unpickle them (by reference to this module)."""

from __future__ import annotations

import os
import time


def seed(start: int) -> int:
    return start + 1


def left(seed: int) -> int:
    return seed * 2


def right(seed: int) -> int:
    return seed * 3


def total(left: int, right: int) -> int:
    return left + right


def worker_pid(seed: int) -> int:
    return os.getpid()


def broken(seed: int) -> int:
    raise KeyError(f"no rate for {seed}")


def slow(seed: int) -> int:
    time.sleep(0.3)
    return seed
