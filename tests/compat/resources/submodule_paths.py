"""Decorators imported from Hamilton's submodules, as real modules often do."""

from hamilton.function_modifiers.configuration import config
from hamilton.function_modifiers.dependencies import value
from hamilton.function_modifiers.expanders import parameterize
from hamilton.function_modifiers.metadata import tag


@tag(owner="growth")
@parameterize(plus_one={"k": value(1)}, plus_two={"k": value(2)})
def plus(x: int, k: int) -> int:
    return x + k


@config.when(flavour="a")
def chosen__a(x: int) -> int:
    return x
