"""A config key named like a function node: Hamilton uses the config value."""


def horizon() -> int:
    return 7


def lagged(horizon: int) -> int:
    return horizon * 10
