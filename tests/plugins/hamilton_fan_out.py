"""A Hamilton module with a fan-out (3 items through a 2-node block), for recording the hook
calls Hamilton makes in a task-based run."""

from hamilton.htypes import Collect, Parallelizable


def items(n: int) -> Parallelizable[int]:
    yield from range(n)


def squared(items: int) -> int:
    return items * items


def plus_one(squared: int) -> int:
    return squared + 1


def summed(plus_one: Collect[int]) -> int:
    return sum(plus_one)


def after(summed: int) -> int:
    return summed
