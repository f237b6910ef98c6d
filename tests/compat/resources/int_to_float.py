"""An int producer feeding a float parameter: Hamilton refuses the edge."""


def count() -> int:
    return 3


def half(count: float) -> float:
    return count / 2
