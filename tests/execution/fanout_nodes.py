"""A fan-out module at module level (so every executor, worker processes included, can run it):
a block of three nodes between ``items`` and two collecting nodes, with an input, a config
value and a node outside the block read inside it."""

from __future__ import annotations

from dataflow.htypes import Collect, Parallelizable

CALLS: dict[str, int] = {}


def _count(name: str) -> None:
    CALLS[name] = CALLS.get(name, 0) + 1


def base(n: int) -> int:
    _count("base")
    return n * 10


def items(n: int) -> Parallelizable[int]:
    _count("items")
    yield from range(n)


def doubled(items: int, base: int, scale: int) -> int:
    if items == 3 and base < 0:
        raise ArithmeticError("item 3 with a negative base")
    return items * 2 * scale + base


def squared(doubled: int) -> int:
    return doubled * doubled


def labelled(squared: int, items: int) -> str:
    return f"{items}:{squared}"


def total(squared: Collect[int]) -> int:
    _count("total")
    return sum(squared)


def listing(labelled: Collect[str], base: int) -> list[str]:
    return [*labelled, f"base={base}"]


def after(total: int) -> int:
    return total + 1
