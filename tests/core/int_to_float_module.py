"""An ``int`` producer feeding a ``float`` parameter: both frameworks refuse the edge unless an
adapter widens the rule (tests/core/test_edge_checks.py)."""


def count() -> int:
    return 3


def half(count: float) -> float:
    return count / 2
