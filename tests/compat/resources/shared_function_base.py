"""A plain function another module decorates (Hamilton's issue #1281)."""


def a(x: int) -> int:
    return x + 1
