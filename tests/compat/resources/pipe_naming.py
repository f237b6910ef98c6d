"""The naming forms of pipe steps used in Hamilton's examples."""

from hamilton.function_modifiers import pipe_input, pipe_output, step, value


def _add(v: int, amount: int) -> int:
    return v + amount


@pipe_output(
    step(_add, amount=value(1)).named(name="", namespace="ns"),
    step(_add, amount=value(2)).named("second"),
)
def out(x: int) -> int:
    return x


@pipe_input(step(_add, amount=value(10)).named(name="first", namespace="in_ns"))
def inp(x: int) -> int:
    return x
