"""Nodes for the plugin tests, at module level so worker processes can unpickle them."""

from __future__ import annotations

import os
import time


def short(start: float) -> float:
    time.sleep(0.05)
    return start + 1


def long(start: float) -> float:
    time.sleep(0.25)
    return start * 2


def joined(short: float, long: float) -> float:
    return short + long


def pid(start: float) -> int:
    return os.getpid()


def broken(joined: float) -> float:
    raise ZeroDivisionError(f"cannot divide {joined}")
