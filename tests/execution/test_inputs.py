"""Starting values are a pure function of the plan and the request."""

from __future__ import annotations

import pytest

from dataflow import ad_hoc_utils
from dataflow.build import graph_from_modules
from dataflow.errors import InputTypeError
from dataflow.execution.inputs import start_values
from dataflow.plan import plan_for


def scaled(spend: float, factor: float) -> float:
    return spend * factor


def label(name: str) -> str:
    return name.upper()


def _graph(config=None):
    return graph_from_modules([ad_hoc_utils.create_temporary_module(scaled, label)],
                              config or {}, False)


def test_start_values_hold_what_the_plan_reads_overrides_first():
    graph = _graph({"factor": 3.0})
    plan = plan_for(graph, ["scaled"], {"spend"})
    inputs = {"spend": 2.0, "name": "unread"}
    first = start_values(plan, graph.config, inputs, {})
    assert first == {"factor": 3.0, "spend": 2.0}
    assert start_values(plan, graph.config, inputs, {}) == first  # same request, same values
    assert inputs == {"spend": 2.0, "name": "unread"}  # the request is not changed
    override_plan = plan_for(graph, ["scaled"], {"spend", "factor"})
    assert start_values(override_plan, graph.config, {"spend": 2.0}, {"factor": 5.0}) == {
        "spend": 2.0, "factor": 5.0}


def test_wrong_input_types_are_listed_with_the_steps_that_refuse_them():
    graph = _graph()
    plan = plan_for(graph, ["scaled", "label"], {"spend", "factor", "name"})
    with pytest.raises(InputTypeError) as raised:
        start_values(plan, {}, {"spend": "2", "factor": 1.0, "name": 3}, {})
    message = str(raised.value)
    assert "spend: expected float, got str; refused by scaled (" in message
    assert "name: expected str, got int; refused by label (" in message
    assert "test_inputs.py:" in message
