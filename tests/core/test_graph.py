"""Stage 3: building and validating the graph, and the algorithms over it."""

from __future__ import annotations

import pandas as pd
import pytest

from dataflow import ad_hoc_utils
from dataflow.build import graph_from_modules
from dataflow.errors import CycleError, DuplicateNodeError, EdgeTypeError
from dataflow.graph import (
    downstream_of,
    path_between,
    to_networkx,
    topological_order,
    upstream_of,
)
from dataflow.node import NodeRole
from tests.core import cycle_module, duplicate_module, mismatch_module, sample_module


def test_undefined_dependencies_become_inputs_and_config_satisfies_them():
    graph = graph_from_modules([sample_module], {"scale": 3.0})
    assert graph["raw_spend"].role is NodeRole.INPUT
    assert graph["raw_spend"].type is pd.Series
    assert graph["scale"].role is NodeRole.CONFIG
    assert graph.dependents["spend"] == (
        "spend_per_signup", "spend_mean", "spend_zero_mean", "scaled_spend")


def test_graph_is_immutable():
    graph = graph_from_modules([sample_module])
    with pytest.raises(TypeError):
        graph.nodes["x"] = graph.nodes["spend"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        graph.nodes = {}  # type: ignore[misc]


def test_duplicate_across_modules_names_both_functions_and_the_fix():
    with pytest.raises(DuplicateNodeError) as caught:
        graph_from_modules([sample_module, duplicate_module])
    message = str(caught.value)
    assert "'spend' is defined twice" in message
    assert "sample_module.py:" in message and "duplicate_module.py:" in message
    assert "allow_module_overrides" in message


def test_module_override_lets_the_later_module_win():
    graph = graph_from_modules([sample_module, duplicate_module], allow_module_overrides=True)
    assert graph["spend"].origin.file.endswith("duplicate_module.py")


def test_duplicate_within_one_module_is_an_error_even_with_overrides():
    def x() -> int:
        return 1

    def y() -> int:
        return 2

    y.__name__ = "x"
    module = ad_hoc_utils.create_temporary_module(x, y)
    with pytest.raises(DuplicateNodeError, match="defined twice"):
        graph_from_modules([module], allow_module_overrides=True)


def test_cycle_is_printed_with_locations():
    with pytest.raises(CycleError) as caught:
        graph_from_modules([cycle_module])
    message = str(caught.value)
    for name in ("a", "b", "c"):
        assert f"  {name} (tests.core.cycle_module.{name} (" in message
    assert "cycle_module.py:" in message


def test_type_mismatch_names_both_ends_types_and_lines():
    with pytest.raises(EdgeTypeError) as caught:
        graph_from_modules([mismatch_module])
    message = str(caught.value)
    assert "'count' -> 'doubled'" in message
    assert "returns str" in message and "annotated int" in message
    assert f"mismatch_module.py:{mismatch_module.count.__code__.co_firstlineno}" in message
    assert f"mismatch_module.py:{mismatch_module.doubled.__code__.co_firstlineno}" in message


def test_config_value_of_wrong_type_is_a_build_error():
    with pytest.raises(EdgeTypeError, match="Config value 'scale' is a str"):
        graph_from_modules([sample_module], {"scale": "big"})


def test_input_required_with_incompatible_types_is_an_error():
    def a(x: int) -> int:
        return x

    def b(x: str) -> str:
        return x

    with pytest.raises(EdgeTypeError, match="Input 'x' is required with incompatible types"):
        graph_from_modules([ad_hoc_utils.create_temporary_module(a, b)])


def test_input_takes_the_narrower_of_two_compatible_types():
    def a(x: object) -> str:
        return str(x)

    def b(x: int) -> int:
        return x

    graph = graph_from_modules([ad_hoc_utils.create_temporary_module(a, b)])
    assert graph["x"].type is int


def test_int_and_float_requirements_of_one_input_are_incompatible_as_in_hamilton():
    def a(x: float) -> float:
        return x

    def b(x: int) -> int:
        return x

    with pytest.raises(EdgeTypeError, match="Input 'x' is required with incompatible types"):
        graph_from_modules([ad_hoc_utils.create_temporary_module(a, b)])


def test_int_producer_does_not_feed_a_float_parameter():
    def count() -> int:
        return 3

    def ratio(count: float) -> float:
        return count / 2

    with pytest.raises(EdgeTypeError) as caught:
        graph_from_modules([ad_hoc_utils.create_temporary_module(count, ratio)])
    message = str(caught.value)
    assert "'count' -> 'ratio'" in message and "returns int" in message
    assert "annotated float" in message


def test_closures_and_paths():
    graph = graph_from_modules([sample_module])
    assert upstream_of(graph, ["spend_per_signup"]) == {
        "spend_per_signup", "spend", "signups", "raw_spend", "raw_signups"}
    assert downstream_of(graph, ["spend_mean"]) == {"spend_mean", "spend_zero_mean"}
    assert path_between(graph, "raw_spend", "spend_zero_mean") == {
        "raw_spend", "spend", "spend_mean", "spend_zero_mean"}
    assert path_between(graph, "signups", "spend_mean") == set()


def test_topological_order_puts_dependencies_first():
    graph = graph_from_modules([sample_module])
    order = topological_order(graph)
    position = {name: i for i, name in enumerate(order)}
    for node in graph.nodes.values():
        for dep in node.dependencies:
            assert position[dep.name] < position[node.name]


def test_export_to_networkx():
    import networkx

    exported = to_networkx(graph_from_modules([sample_module]))
    assert networkx.is_directed_acyclic_graph(exported)
    assert exported.has_edge("spend", "spend_per_signup")
    assert exported.nodes["raw_spend"]["role"] == "input"
    assert exported.edges["scale", "scaled_spend"]["optional"] is True


def test_every_config_value_is_a_node_as_in_hamilton():
    graph = graph_from_modules([sample_module], {"unused_key": [1, 2]})
    assert graph["unused_key"].role is NodeRole.CONFIG
    assert graph.dependents["unused_key"] == ()


def test_a_module_given_twice_is_named_as_such():
    from dataflow import driver

    with pytest.raises(DuplicateNodeError) as caught:
        driver.Driver({}, sample_module, sample_module)
    assert "was given to the driver twice" in str(caught.value)
