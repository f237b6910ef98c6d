"""A misspelt key in @subdag(inputs=...): "raww" names no input of the subdag."""

from hamilton.function_modifiers import source, subdag


def inner(raw: int) -> int:
    return raw * 2


@subdag(inner, inputs={"raww": source("seed")})
def outer(inner: int) -> int:
    return inner + 1
