"""Three functions that depend on each other in a circle."""


def a(c: int) -> int:
    return c


def b(a: int) -> int:
    return a


def c(b: int) -> int:
    return b
