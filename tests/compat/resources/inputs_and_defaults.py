"""Parameters with defaults: optional inputs, and None for a parameter whose default is None."""

from typing import Optional


def demand(x: int) -> int:
    return x + 1


def total(demand: int) -> int:
    return demand * 2


def with_default(x: int, y: int = 5) -> int:
    return x + y


def with_none_default(x: int, z: int = None) -> int:  # noqa: RUF013  (as Hamilton users write it)
    return x if z is None else x + z


def with_optional(x: int, w: Optional[int] = None) -> int:  # noqa: UP045
    return x if w is None else x * w
