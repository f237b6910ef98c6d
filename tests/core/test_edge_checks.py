"""Adapters may widen the edge rule at build (``EdgeConnectionHook.check_edge_types_match``),
as Hamilton's ``NoEdgeAndInputTypeChecking`` does; without one the edge is refused."""

from __future__ import annotations

from typing import Any

import pytest

from dataflow import base, driver, lifecycle
from dataflow.errors import EdgeTypeError
from tests.core import int_to_float_module as MODULE


def test_an_int_to_float_edge_is_refused_without_a_hook():
    with pytest.raises(EdgeTypeError, match="'count' -> 'half'"):
        driver.Builder().with_modules(MODULE).build()


def test_no_edge_and_input_type_checking_accepts_the_edge_as_in_hamilton():
    from hamilton import driver as hamilton_driver
    from hamilton.lifecycle import default as hamilton_default

    theirs = (hamilton_driver.Builder().with_modules(MODULE)
              .with_adapters(hamilton_default.NoEdgeAndInputTypeChecking()).build())
    ours = (driver.Builder().with_modules(MODULE)
            .with_adapters(lifecycle.NoEdgeAndInputTypeChecking(), base.DictResult()).build())
    assert ours.execute(["half"]) == theirs.execute(["half"]) == {"half": 1.5}


class OnlyIntToFloat(lifecycle.EdgeConnectionHook):
    def __init__(self) -> None:
        self.asked: list[tuple[Any, Any]] = []

    def check_edge_types_match(self, type_from: type, type_to: type, **kwargs: Any) -> bool:
        self.asked.append((type_from, type_to))
        return type_from is int and type_to is float

    def validate_input(self, node_type: type, input_value: Any, **kwargs: Any) -> bool:
        return False


def test_a_custom_edge_hook_is_asked_only_about_refused_edges():
    hook = OnlyIntToFloat()
    dr = driver.Builder().with_modules(MODULE).with_adapters(hook, base.DictResult()).build()
    assert dr.execute(["half"]) == {"half": 1.5}
    assert hook.asked == [(int, float)]
