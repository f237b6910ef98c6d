"""Decorates a function of another module; the other module's node must not change."""

from hamilton.function_modifiers import parameterize, value

from tests.compat.resources import shared_function_base as base

b = parameterize(b={"x": value(10)})(base.a)
