"""Decorates functions of ``fixtures_shared_base`` without owning them: ``base``'s functions
must stay as they are, for ``base`` and for every other module using them."""

from dataflow.function_modifiers import hamilton_exclude, parameterize, value
from tests.function_modifiers import fixtures_shared_base as base

b = parameterize(b={"x": value(10)})(base.a)
helper = hamilton_exclude(base.helper)
