"""A module of plain functions that another module decorates (Hamilton's issue #1281)."""


def a(x: int) -> int:
    return x + 1


def helper(x: int) -> int:
    return x * 2


def tagged_elsewhere(x: int) -> int:
    return x - 1
