"""Two mutators of the same name: the later ``def`` replaces the earlier one in the module, yet
both apply, in definition order (as in Hamilton: ``(1 + 1) * 10 + 3 == 23``)."""

from dataflow.function_modifiers import mutate


def a(x: int) -> int:
    return x + 1


@mutate(a)
def _m(a: int) -> int:
    return a * 10


@mutate(a)  # noqa: F811  (replacing the name is the point)
def _m(a: int) -> int:  # noqa: F811
    return a + 3
