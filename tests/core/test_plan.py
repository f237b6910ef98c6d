"""Stage 4: minimal plans, release points, missing inputs and unknown outputs."""

from __future__ import annotations

import pytest

from dataflow.build import graph_from_modules
from dataflow.errors import MissingInputsError, UnknownOutputError
from dataflow.plan import plan_for
from tests.core import sample_module


@pytest.fixture(scope="module")
def graph():
    return graph_from_modules([sample_module])


def test_plan_covers_only_the_upstream_closure(graph):
    plan = plan_for(graph, ["spend_mean"], {"raw_spend"})
    assert plan.node_names == ["spend", "spend_mean"]
    assert plan.provided_used == ("raw_spend",)


def test_values_are_released_after_their_last_consumer(graph):
    plan = plan_for(graph, ["spend_zero_mean"], {"raw_spend"})
    assert plan.node_names == ["spend", "spend_mean", "spend_zero_mean"]
    releases = {step.name: step.release for step in plan.steps}
    assert releases["spend"] == ("raw_spend",)
    assert set(releases["spend_zero_mean"]) == {"spend", "spend_mean"}


def test_requested_outputs_are_never_released(graph):
    plan = plan_for(graph, ["spend", "spend_mean"], {"raw_spend"})
    assert all("spend" not in step.release for step in plan.steps)


def test_override_cuts_off_everything_only_it_needed(graph):
    plan = plan_for(graph, ["spend_per_signup"], {"spend", "raw_signups"})
    assert plan.node_names == ["signups", "spend_per_signup"]


def test_optional_dependency_is_omitted_when_nothing_supplies_it(graph):
    plan = plan_for(graph, ["scaled_spend"], {"raw_spend"})
    assert plan.steps[-1].args == ("spend",)
    plan = plan_for(graph, ["scaled_spend"], {"raw_spend", "scale"})
    assert plan.steps[-1].args == ("spend", "scale")


def test_every_missing_input_is_listed_with_its_consumers(graph):
    with pytest.raises(MissingInputsError) as caught:
        plan_for(graph, ["spend_per_signup"], {"raw_spnd"})
    message = str(caught.value)
    assert message.startswith("2 required input(s) missing")
    assert ("raw_signups: pandas.Series, needed by signups (tests.core.sample_module.signups ("
            in message)
    assert "raw_spend: pandas.Series, needed by spend (" in message
    assert "You passed 'raw_spnd': a typo?" in message


def test_unknown_output_suggests_close_names(graph):
    expected = "'spend_per_signups'. Did you mean 'spend_per_signup'"
    with pytest.raises(UnknownOutputError, match=expected):
        plan_for(graph, ["spend_per_signups"], {"raw_spend", "raw_signups"})


def test_requesting_a_provided_input_passes_it_through(graph):
    plan = plan_for(graph, ["raw_spend"], {"raw_spend"})
    assert plan.steps == ()
    assert plan.provided_used == ("raw_spend",)
