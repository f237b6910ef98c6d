"""A config condition on None, by @config.when and by step(...).when (key absent = None)."""

from hamilton.function_modifiers import config, pipe_output, step, value


def _add(v: int, amount: int) -> int:
    return v + amount


@config.when(a=None)
def chosen__none(x: int) -> int:
    return x


@config.when_not(a=None)
def chosen__other(x: int) -> int:
    return -x


@pipe_output(step(_add, amount=value(100)).when(a=None))
def piped(x: int) -> int:
    return x
